#include "runtime/config.h"

#include <charconv>
#include <set>

#include "parser/readers.h"
#include "runtime/server.h"

namespace polcheck::runtime {
namespace {

namespace ast = parser::ast;

class ConfigReader {
 public:
  ConfigReader(const SourceFile& source, DiagnosticSink& sink) : source_(source), sink_(sink) {}

  std::optional<ServerConfig> Read() {
    const bool json = parser::LooksLikeJson(source_.text());
    std::vector<parser::JsonQuirk> quirks;
    DiagnosticSink syntax;
    parser::ReadResult read = json ? parser::ReadJson(source_, syntax, quirks) : parser::ReadHcl(source_, syntax);
    for (const Diagnostic& d : syntax.diagnostics()) {
      sink_.Add(d);
    }
    if (syntax.has_errors()) {
      return std::nullopt;
    }
    for (const ast::Item& item : read.file.items) {
      TopLevel(item);
    }
    if (config_.storage_type.empty() && errors_ == 0) {
      Error(Span{source_.id(), 0, 0}, "missing-storage", "expected a storage block, e.g. storage \"file\" { path = \"data\" }");
    }
    if (errors_ > 0) {
      return std::nullopt;
    }
    return config_;
  }

 private:
  void Error(Span span, const char* code, std::string message) {
    ++errors_;
    sink_.Add(Severity::kError, span, code, std::move(message));
  }

  // `storage "file" { ... }` (HCL) or `"storage": {"file": {...}}` (JSON): the type and its body.
  bool Block(const ast::Item& item, std::string& type, const ast::Node*& body) {
    if (item.keys.size() == 2 && item.value.kind == ast::Node::Kind::kObject) {
      type = item.keys[1].value;
      body = &item.value;
      return true;
    }
    if (item.keys.size() == 1 && item.value.kind == ast::Node::Kind::kObject && item.value.items.size() == 1 &&
        item.value.items[0].keys.size() == 1 && item.value.items[0].value.kind == ast::Node::Kind::kObject) {
      type = item.value.items[0].keys[0].value;
      body = &item.value.items[0].value;
      return true;
    }
    Error(item.span, "config-block", "expected a block " + item.keys[0].value + " \"<type>\" { ... }");
    return false;
  }

  // A string, number or bool literal as text; nullopt (and an error) otherwise.
  std::optional<std::string> Scalar(const ast::Item& item) {
    if (item.value.kind != ast::Node::Kind::kLiteral) {
      Error(item.value.span, "config-value", "expected a string, number or bool for \"" + item.keys[0].value + "\"");
      return std::nullopt;
    }
    return item.value.value;
  }

  std::optional<bool> Bool(const ast::Item& item) {
    std::optional<std::string> text = Scalar(item);
    if (!text) {
      return std::nullopt;
    }
    if (*text == "true" || *text == "1") {
      return true;
    }
    if (*text == "false" || *text == "0") {
      return false;
    }
    Error(item.value.span, "config-value", "expected true or false for \"" + item.keys[0].value + "\"");
    return std::nullopt;
  }

  void TopLevel(const ast::Item& item) {
    const std::string& key = item.keys[0].value;
    if (key == "storage" || key == "backend") {
      Storage(item);
    } else if (key == "listener") {
      Listener(item);
    } else if (key == "mount") {
      InitMount(item);
    } else if (key == "dialect") {
      std::optional<std::string> text = Scalar(item);
      std::optional<Dialect> dialect = text ? ParseDialect(*text) : std::nullopt;
      if (text && !dialect) {
        Error(item.value.span, "config-value", "expected dialect \"vault\", \"vault-legacy\" or \"openbao\"");
      }
      config_.dialect = dialect.value_or(config_.dialect);
    } else if (!kIgnored.contains(key)) {
      sink_.Add(Severity::kWarning, item.keys[0].span, "config-unknown-key",
                "unknown or unsupported server config key \"" + key + "\" is ignored");
    }
  }

  void Storage(const ast::Item& item) {
    std::string type;
    const ast::Node* body = nullptr;
    if (!Block(item, type, body)) {
      return;
    }
    if (!config_.storage_type.empty()) {
      Error(item.span, "config-duplicate", "only one storage block may be given");
      return;
    }
    if (type != "file" && type != "sqlite" && type != "inmem") {
      Error(item.keys.size() == 2 ? item.keys[1].span : item.span, "config-storage",
            "unsupported storage type \"" + type + "\": expected \"file\", \"sqlite\" or \"inmem\"");
      return;
    }
    config_.storage_type = type;
    for (const ast::Item& field : body->items) {
      if (field.keys[0].value == "path") {
        if (std::optional<std::string> path = Scalar(field)) {
          config_.storage_path = *path;
        }
      }
    }
    if (type != "inmem" && config_.storage_path.empty()) {
      Error(item.span, "config-storage", "storage \"" + type + "\" needs a path = \"...\"");
      return;
    }
    if (config_.storage_path.is_relative() && !config_.storage_path.empty()) {
      config_.storage_path = std::filesystem::path(source_.name()).parent_path() / config_.storage_path;
    }
  }

  // mount "secret/" { type = "kv-v2" }   (or type = "kv" with version = 1|2)
  void InitMount(const ast::Item& item) {
    std::string path;
    const ast::Node* body = nullptr;
    if (!Block(item, path, body)) {
      return;
    }
    // Kept as an enum-like char: GCC 12 -O3 gives false -Wrestrict on string = "literal".
    char version = '1';
    bool kv = false;
    bool valid = true;
    for (const ast::Item& field : body->items) {
      const std::string& key = field.keys[0].value;
      if (key != "type" && key != "version") {
        continue;
      }
      std::optional<std::string> text = Scalar(field);
      if (!text) {
        return;
      }
      if (key == "version") {
        valid = valid && (*text == "1" || *text == "2");
        version = text->empty() ? '?' : text->front();
      } else if (*text == "kv" || *text == "kv-v1" || *text == "kv-v2") {
        kv = true;
        version = *text == "kv-v2" ? '2' : *text == "kv-v1" ? '1' : version;
      } else {
        valid = false;
      }
    }
    if (!kv || !valid) {
      Error(item.span, "config-mount", "expected mount \"<path>/\" { type = \"kv-v2\" } (KV engines only)");
      return;
    }
    if (path.empty() || path == "/") {
      Error(item.span, "config-mount", "a mount needs a path such as \"secret/\"");
      return;
    }
    config_.init_kv_mounts[path.ends_with("/") ? path : path + "/"] = std::string(1, version);
  }

  void Listener(const ast::Item& item) {
    std::string type;
    const ast::Node* body = nullptr;
    if (!Block(item, type, body)) {
      return;
    }
    if (type != "tcp") {
      Error(item.keys.size() == 2 ? item.keys[1].span : item.span, "config-listener",
            "unsupported listener type \"" + type + "\": expected \"tcp\"");
      return;
    }
    bool tls_disable = false;
    const ast::Item* cert = nullptr;
    const ast::Item* key_file = nullptr;
    for (const ast::Item& field : body->items) {
      const std::string& key = field.keys[0].value;
      if (key == "address") {
        Address(field);
      } else if (key == "tls_disable") {
        tls_disable = Bool(field).value_or(tls_disable);
      } else if (key == "tls_cert_file") {
        cert = &field;
      } else if (key == "tls_key_file") {
        key_file = &field;
      } else if (key == "tls_min_version") {
        TlsMinVersion(field);
      } else if (key == "max_request_size") {
        std::optional<std::string> text = Scalar(field);
        std::int64_t bytes = 0;
        if (text && std::from_chars(text->data(), text->data() + text->size(), bytes).ec == std::errc() && bytes > 0) {
          config_.max_request_bytes = static_cast<std::size_t>(bytes);
        } else if (text) {
          Error(field.value.span, "config-value", "expected a positive number of bytes for max_request_size");
        }
      }
    }
    if (!tls_disable) {
      Tls(item, cert, key_file);
    }
  }

  void TlsMinVersion(const ast::Item& field) {
    std::optional<std::string> text = Scalar(field);
    if (!text) {
      return;
    }
    if (*text == "tls12" || *text == "tls13") {
      config_.tls_min_version = *text;
    } else if (*text == "tls10" || *text == "tls11") {
      Error(
          field.value.span, "config-tls",
          "tls_min_version \"" + *text + "\" is not supported by polcheck serve: use \"tls12\" or \"tls13\"");
    } else {
      Error(field.value.span, "config-tls",
            "'tls_min_version' value \"" + *text + "\" not supported, please specify one of [tls12,tls13]");
    }
  }

  // Vault serves TLS unless tls_disable is true: then both files must be given, readable and match.
  void Tls(const ast::Item& listener, const ast::Item* cert, const ast::Item* key) {
    const int errors_before = errors_;
    std::optional<std::filesystem::path> cert_path = TlsFile(listener, cert, "tls_cert_file");
    std::optional<std::filesystem::path> key_path = TlsFile(listener, key, "tls_key_file");
    if (!cert_path || !key_path || errors_ != errors_before) {
      return;
    }
    if (std::string bad = CheckTlsCertFile(cert_path->string()); !bad.empty()) {
      Error(cert->value.span, "config-tls", "tls_cert_file: " + bad);
    } else if (std::string bad_key = CheckTlsKeyFile(key_path->string()); !bad_key.empty()) {
      Error(key->value.span, "config-tls", "tls_key_file: " + bad_key);
    } else if (std::string mismatch = CheckTlsKeyPair(cert_path->string(), key_path->string());
               !mismatch.empty()) {
      Error(key->value.span, "config-tls", "tls_key_file does not belong to tls_cert_file: " + mismatch);
    } else {
      config_.tls_cert_file = *cert_path;
      config_.tls_key_file = *key_path;
    }
  }

  std::optional<std::filesystem::path> TlsFile(const ast::Item& listener, const ast::Item* field,
                                               const char* key) {
    if (field == nullptr) {
      Error(listener.keys.size() == 2 ? listener.keys[1].span : listener.span, "config-tls",
            std::string("'") + key + "' must be set (or tls_disable = true for plain HTTP)");
      return std::nullopt;
    }
    std::optional<std::string> text = Scalar(*field);
    if (!text) {
      return std::nullopt;
    }
    if (text->empty()) {
      Error(field->value.span, "config-tls", std::string("'") + key + "' must be set");
      return std::nullopt;
    }
    std::filesystem::path path = *text;
    return path.is_relative() ? std::filesystem::path(source_.name()).parent_path() / path : path;
  }

  void Address(const ast::Item& field) {
    std::optional<std::string> text = Scalar(field);
    if (!text) {
      return;
    }
    const std::size_t colon = text->rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
      const char* begin = text->data() + colon + 1;
      if (std::from_chars(begin, text->data() + text->size(), port).ec != std::errc()) {
        port = -1;
      }
    }
    if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
      Error(field.value.span, "config-value", "expected address = \"HOST:PORT\", e.g. \"127.0.0.1:8200\"");
      return;
    }
    config_.host = text->substr(0, colon);
    config_.port = static_cast<std::uint16_t>(port);
  }

  static inline const std::set<std::string, std::less<>> kIgnored = {
      "api_addr", "cluster_addr", "ui", "disable_mlock", "log_level", "cluster_name", "default_lease_ttl",
      "max_lease_ttl", "pid_file", "log_format", "disable_cache", "plugin_directory"};

  const SourceFile& source_;
  DiagnosticSink& sink_;
  ServerConfig config_;
  int errors_ = 0;
};

}  // namespace

std::optional<ServerConfig> ParseServerConfig(const SourceFile& source, DiagnosticSink& sink) {
  return ConfigReader(source, sink).Read();
}

Expected<std::shared_ptr<Storage>> OpenConfiguredStorage(const ServerConfig& config) {
  if (config.storage_type == "sqlite") {
    return OpenSqliteStorage(config.storage_path);
  }
  if (config.storage_type == "file") {
    return OpenFileStorage(config.storage_path);
  }
  return MakeMemoryStorage();
}

}  // namespace polcheck::runtime
