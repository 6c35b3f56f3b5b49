#include "analysis/terraform.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <system_error>

#include "analysis/terraform_hcl.h"
#include "base/io.h"

namespace polcheck::analysis {
namespace {

namespace fs = std::filesystem;
using hcl::Expr;
using hcl::ExprKind;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string StripSlashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == '/') {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// ---------------------------------------------------------------------------
// Values: what an expression evaluates to, with where it came from.

struct Value {
  enum class Kind : std::uint8_t { kNull, kString, kNumber, kBool, kList, kObject };
  Kind kind = Kind::kNull;
  std::string text;
  bool boolean = false;
  std::vector<Value> items;
  std::vector<std::string> keys;  // kObject: keys[i] -> items[i]
  std::vector<Span> key_spans;
  Span span;
  // A computed id Terraform only knows after apply but polcheck can name:
  // "group-id" / "entity-id" (text = name), "mount-accessor" (text = mount path).
  std::string ref_kind;
  // Strings: text equal to the bytes at `content` (policy text in a .tf file).
  bool verbatim = false;
  Span content;
  // Strings read by file(): the file's path relative to the workspace.
  std::string from_file;
  FileId from_source = 0;
  bool rendered = false;  // produced by templatefile()

  const Value* Member(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) {
        return &items[i];
      }
    }
    return nullptr;
  }
};

Value StringValue(std::string text, Span span) {
  Value v;
  v.kind = Value::Kind::kString;
  v.text = std::move(text);
  v.span = span;
  return v;
}

struct EvalError {
  Span span;
  std::string message;
};

// Either a value or why there is none.
struct Result {
  std::optional<Value> value;
  EvalError error;
  static Result Ok(Value v) { return Result{std::move(v), {}}; }
  static Result Fail(Span span, std::string message) { return Result{std::nullopt, {span, std::move(message)}}; }
  explicit operator bool() const { return value.has_value(); }
};

// ---------------------------------------------------------------------------
// A module: the .tf files of one folder, with what references can name.

struct Resource {
  std::string type;
  std::string name;
  const hcl::Block* block = nullptr;
  FileId file = 0;
};

struct Module {
  fs::path dir;  // absolute
  std::string rel;  // relative to the workspace, "." for the root
  std::vector<hcl::Body> bodies;  // one per file
  std::map<std::string, const Expr*> var_defaults;  // nullptr: declared without default
  std::map<std::string, Span> var_spans;
  std::map<std::string, const Expr*> tfvars;  // terraform.tfvars, *.auto.tfvars
  std::map<std::string, const Expr*> locals;
  std::map<std::string, Resource> resources;  // "type.name"
  std::vector<Resource> ordered;              // file order
  std::optional<Span> provider_namespace;     // provider "vault" { namespace = ... }
  std::vector<const hcl::Block*> calls;       // module "x" { source = ... }
  // While the folder is imported as a child module through a call: the call's
  // address ("module.x.") and its arguments, evaluated in the caller. A
  // child module reads no tfvars (Terraform loads them for the root only).
  std::string instance;
  std::map<std::string, Result> inputs;
};

nlohmann::json ToJson(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return nullptr;
    case Value::Kind::kString:
      return v.text;
    case Value::Kind::kNumber: {
      try {
        return nlohmann::json::parse(v.text);
      } catch (const nlohmann::json::exception&) {
        return v.text;
      }
    }
    case Value::Kind::kBool:
      return v.boolean;
    case Value::Kind::kList: {
      nlohmann::json a = nlohmann::json::array();
      for (const Value& i : v.items) {
        a.push_back(ToJson(i));
      }
      return a;
    }
    case Value::Kind::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (std::size_t i = 0; i < v.keys.size(); ++i) {
        o[v.keys[i]] = ToJson(v.items[i]);
      }
      return o;
    }
  }
  return nullptr;
}

Value FromJson(const nlohmann::json& j, Span span) {
  Value v;
  v.span = span;
  if (j.is_string()) {
    v.kind = Value::Kind::kString;
    v.text = j.get<std::string>();
  } else if (j.is_boolean()) {
    v.kind = Value::Kind::kBool;
    v.boolean = j.get<bool>();
  } else if (j.is_number()) {
    v.kind = Value::Kind::kNumber;
    v.text = j.dump();
  } else if (j.is_array()) {
    v.kind = Value::Kind::kList;
    for (const auto& item : j) {
      v.items.push_back(FromJson(item, span));
    }
  } else if (j.is_object()) {
    v.kind = Value::Kind::kObject;
    for (const auto& [key, item] : j.items()) {
      v.keys.push_back(key);
      v.key_spans.push_back(span);
      v.items.push_back(FromJson(item, span));
    }
  }
  return v;
}

// Computed attributes with a value fixed by the arguments (provider defaults).
std::optional<std::string> DefaultArgument(std::string_view type, std::string_view attr) {
  if (attr == "path" && type == "vault_jwt_auth_backend") {
    return "jwt";
  }
  if (attr == "path" && type == "vault_github_auth_backend") {
    return "github";
  }
  if (attr == "type" && type == "vault_jwt_auth_backend") {
    return "jwt";
  }
  return std::nullopt;
}

class Evaluator {
 public:
  Evaluator(const Module& module, const fs::path& workspace, SourceSet& sources, DiagnosticSink& sink)
      : module_(module), workspace_(workspace), sources_(sources), sink_(sink) {}

  Result Eval(const Expr& e, int depth = 0) {
    if (depth > 32) {
      return Result::Fail(e.span, "references nest too deeply (a cycle?)");
    }
    switch (e.kind) {
      case ExprKind::kNull:
        return Result::Ok(Value{.span = e.span});
      case ExprKind::kString: {
        Value v = StringValue(e.text, e.span);
        v.verbatim = e.verbatim;
        v.content = e.content;
        return Result::Ok(std::move(v));
      }
      case ExprKind::kNumber: {
        Value v;
        v.kind = Value::Kind::kNumber;
        v.text = e.text;
        v.span = e.span;
        return Result::Ok(std::move(v));
      }
      case ExprKind::kBool: {
        Value v;
        v.kind = Value::Kind::kBool;
        v.boolean = e.boolean;
        v.span = e.span;
        return Result::Ok(std::move(v));
      }
      case ExprKind::kTemplate:
        return Template(e, depth);
      case ExprKind::kList: {
        Value v;
        v.kind = Value::Kind::kList;
        v.span = e.span;
        for (const Expr& item : e.items) {
          Result r = Eval(item, depth + 1);
          if (!r) {
            return r;
          }
          v.items.push_back(*std::move(r.value));
        }
        return Result::Ok(std::move(v));
      }
      case ExprKind::kObject: {
        Value v;
        v.kind = Value::Kind::kObject;
        v.span = e.span;
        for (std::size_t i = 0; i < e.items.size(); ++i) {
          Result k = Eval(e.keys[i], depth + 1);
          if (!k) {
            return k;
          }
          if (k.value->kind != Value::Kind::kString) {
            return Result::Fail(e.keys[i].span, "an object key must be a string");
          }
          Result item = Eval(e.items[i], depth + 1);
          if (!item) {
            return item;
          }
          v.keys.push_back(k.value->text);
          v.key_spans.push_back(e.keys[i].span);
          v.items.push_back(*std::move(item.value));
        }
        return Result::Ok(std::move(v));
      }
      case ExprKind::kCall:
        return Call(e, depth);
      case ExprKind::kReference:
        return Reference(e, depth);
      case ExprKind::kUnsupported:
        return Result::Fail(e.span, fmt::format("{} is not evaluated by polcheck", e.text));
    }
    return Result::Fail(e.span, "unknown expression");
  }

  // Template variables (templatefile) shadow everything else.
  std::map<std::string, Value>* template_vars = nullptr;

 private:
  Result Template(const Expr& e, int depth) {
    std::string out;
    for (const Expr& part : e.items) {
      Result r = Eval(part, depth + 1);
      if (!r) {
        return r;
      }
      const Value& v = *r.value;
      if (!v.ref_kind.empty()) {
        return Result::Fail(part.span, fmt::format("{} is computed by Vault when the resource is created",
                                                   hcl::Describe(part)));
      }
      switch (v.kind) {
        case Value::Kind::kString:
        case Value::Kind::kNumber:
          out += v.text;
          break;
        case Value::Kind::kBool:
          out += v.boolean ? "true" : "false";
          break;
        case Value::Kind::kNull:
        case Value::Kind::kList:
        case Value::Kind::kObject:
          return Result::Fail(part.span, fmt::format("{} is not a string and cannot be interpolated",
                                                     hcl::Describe(part)));
      }
    }
    return Result::Ok(StringValue(std::move(out), e.span));
  }

  Result StringArg(const Expr& call, std::size_t i, int depth) {
    if (call.items.size() <= i) {
      return Result::Fail(call.span, fmt::format("{}() needs more arguments", call.name));
    }
    Result r = Eval(call.items[i], depth + 1);
    if (r && r.value->kind != Value::Kind::kString) {
      return Result::Fail(call.items[i].span, fmt::format("{}() expects a string here", call.name));
    }
    return r;
  }

  // Reads a file named relative to the module folder (path.module is ".").
  Result ReadModuleFile(const Expr& call, const Value& name) {
    const fs::path path = fs::path(name.text).is_absolute() ? fs::path(name.text) : module_.dir / name.text;
    Expected<std::string> text = ReadFile(path);
    if (!text) {
      return Result::Fail(call.items[0].span, fmt::format("{}(\"{}\") cannot be read: {}", call.name, name.text,
                                                          text.error().message));
    }
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    std::string rel = fs::relative(ec ? path : canonical, fs::weakly_canonical(workspace_, ec), ec).generic_string();
    if (ec || rel.empty()) {
      rel = path.generic_string();
    }
    Value v = StringValue(*text, call.span);
    v.from_file = rel;
    v.from_source = sources_.Add(rel, *std::move(text));
    return Result::Ok(std::move(v));
  }

  Result Call(const Expr& e, int depth) {
    const std::string& f = e.name;
    if (f == "file") {
      Result name = StringArg(e, 0, depth);
      if (!name) {
        return name;
      }
      return ReadModuleFile(e, *name.value);
    }
    if (f == "templatefile") {
      return TemplateFile(e, depth);
    }
    if (f == "jsonencode") {
      if (e.items.size() != 1) {
        return Result::Fail(e.span, "jsonencode() takes one argument");
      }
      Result r = Eval(e.items[0], depth + 1);
      if (!r) {
        return r;
      }
      return Result::Ok(StringValue(ToJson(*r.value).dump(), e.span));
    }
    if (f == "tostring" || f == "tolist" || f == "toset" || f == "lower" || f == "upper" || f == "trimspace") {
      return Unary(e, depth);
    }
    if (f == "concat") {
      Value out;
      out.kind = Value::Kind::kList;
      out.span = e.span;
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        Result r = Eval(e.items[i], depth + 1);
        if (!r) {
          return r;
        }
        if (r.value->kind != Value::Kind::kList) {
          return Result::Fail(e.items[i].span, "concat() expects lists");
        }
        for (Value& item : r.value->items) {
          out.items.push_back(std::move(item));
        }
      }
      return Result::Ok(std::move(out));
    }
    if (f == "join") {
      Result sep = StringArg(e, 0, depth);
      if (!sep) {
        return sep;
      }
      std::string out;
      bool first = true;
      for (std::size_t i = 1; i < e.items.size(); ++i) {
        Result r = Eval(e.items[i], depth + 1);
        if (!r) {
          return r;
        }
        if (r.value->kind != Value::Kind::kList) {
          return Result::Fail(e.items[i].span, "join() expects lists of strings");
        }
        for (const Value& item : r.value->items) {
          if (item.kind != Value::Kind::kString) {
            return Result::Fail(e.items[i].span, "join() expects lists of strings");
          }
          out += (first ? "" : sep.value->text) + item.text;
          first = false;
        }
      }
      return Result::Ok(StringValue(std::move(out), e.span));
    }
    return Result::Fail(e.span, fmt::format("function {}() is not evaluated by polcheck", f));
  }

  Result Unary(const Expr& e, int depth) {
    if (e.items.size() != 1) {
      return Result::Fail(e.span, fmt::format("{}() takes one argument", e.name));
    }
    Result r = Eval(e.items[0], depth + 1);
    if (!r) {
      return r;
    }
    Value v = *std::move(r.value);
    v.span = e.span;
    const std::string& f = e.name;
    if (f == "tolist" || f == "toset") {
      if (v.kind != Value::Kind::kList) {
        return Result::Fail(e.items[0].span, fmt::format("{}() expects a list", f));
      }
      if (f == "toset") {
        // A set of strings iterates in lexical order, without duplicates.
        std::vector<Value> items;
        for (Value& item : v.items) {
          if (item.kind != Value::Kind::kString) {
            return Result::Fail(e.items[0].span, "toset() is evaluated for strings only");
          }
          if (std::none_of(items.begin(), items.end(), [&](const Value& x) { return x.text == item.text; })) {
            items.push_back(std::move(item));
          }
        }
        std::sort(items.begin(), items.end(), [](const Value& a, const Value& b) { return a.text < b.text; });
        v.items = std::move(items);
      }
      return Result::Ok(std::move(v));
    }
    if (v.kind != Value::Kind::kString && !(f == "tostring" && v.kind == Value::Kind::kNumber)) {
      return Result::Fail(e.items[0].span, fmt::format("{}() expects a string", f));
    }
    v.kind = Value::Kind::kString;
    v.verbatim = false;
    if (f == "lower") {
      v.text = Lower(v.text);
    } else if (f == "upper") {
      std::transform(v.text.begin(), v.text.end(), v.text.begin(), [](unsigned char c) { return std::toupper(c); });
    } else if (f == "trimspace") {
      const std::size_t b = v.text.find_first_not_of(" \t\r\n");
      const std::size_t end = v.text.find_last_not_of(" \t\r\n");
      v.text = b == std::string::npos ? std::string() : v.text.substr(b, end - b + 1);
    }
    return Result::Ok(std::move(v));
  }

  Result TemplateFile(const Expr& e, int depth) {
    if (e.items.size() != 2) {
      return Result::Fail(e.span, "templatefile() takes a path and an object of variables");
    }
    Result name = StringArg(e, 0, depth);
    if (!name) {
      return name;
    }
    Result vars = Eval(e.items[1], depth + 1);
    if (!vars) {
      return vars;
    }
    if (vars.value->kind != Value::Kind::kObject) {
      return Result::Fail(e.items[1].span, "templatefile() expects an object of variables");
    }
    Result file = ReadModuleFile(e, *name.value);
    if (!file) {
      return file;
    }
    DiagnosticSink local;
    std::optional<Expr> tmpl = hcl::ParseTemplateFile(sources_.file(file.value->from_source), local);
    if (!tmpl) {
      return Result::Fail(e.span, fmt::format("templatefile(\"{}\"): {}", name.value->text,
                                              local.diagnostics().front().message));
    }
    std::map<std::string, Value> scope;
    for (std::size_t i = 0; i < vars.value->keys.size(); ++i) {
      scope[vars.value->keys[i]] = vars.value->items[i];
    }
    Evaluator inner(module_, workspace_, sources_, sink_);
    inner.template_vars = &scope;
    Result r = inner.Eval(*tmpl, depth + 1);
    if (!r) {
      return Result::Fail(e.span, fmt::format("templatefile(\"{}\"): {} (at {})", name.value->text, r.error.message,
                                              FormatLocation(r.error.span, sources_)));
    }
    if (r.value->kind != Value::Kind::kString) {
      return Result::Fail(e.span, "templatefile() must render to a string");
    }
    Value v = StringValue(r.value->text, e.span);
    v.rendered = true;
    v.from_file = file.value->from_file;
    return Result::Ok(std::move(v));
  }

  // Applies the reference steps after `first` to `v`.
  Result Index(Value v, const Expr& e, std::size_t first) {
    for (std::size_t i = first; i < e.path.size(); ++i) {
      const std::string& step = e.path[i];
      if (step.front() == '[' && step[1] != '"') {
        const std::size_t n = std::stoul(step.substr(1, step.size() - 2));
        if (v.kind != Value::Kind::kList || n >= v.items.size()) {
          return Result::Fail(e.span, fmt::format("{}: index {} is out of range", hcl::Describe(e), n));
        }
        Value item = v.items[n];
        v = std::move(item);
        continue;
      }
      const std::string key = step.front() == '[' ? step.substr(2, step.size() - 4) : step;
      const Value* m = v.kind == Value::Kind::kObject ? v.Member(key) : nullptr;
      if (m == nullptr) {
        return Result::Fail(e.span, fmt::format("{}: no attribute \"{}\"", hcl::Describe(e), key));
      }
      Value item = *m;
      v = std::move(item);
    }
    return Result::Ok(std::move(v));
  }

  Result Reference(const Expr& e, int depth) {
    const std::string what = hcl::Describe(e);
    if (template_vars != nullptr) {
      auto it = template_vars->find(e.name);
      if (it == template_vars->end()) {
        return Result::Fail(e.span, fmt::format("template variable \"{}\" is not passed to templatefile()", e.name));
      }
      return Index(it->second, e, 0);
    }
    const std::string& root = e.name;
    if (root == "var" || root == "local") {
      if (e.path.empty() || e.path[0].front() == '[') {
        return Result::Fail(e.span, fmt::format("{} names nothing", what));
      }
      const std::string& name = e.path[0];
      const Expr* def = nullptr;
      if (root == "var") {
        auto input = module_.inputs.find(name);
        if (input != module_.inputs.end() && module_.var_defaults.count(name) != 0) {
          if (!input->second) {
            return Result::Fail(input->second.error.span,
                                fmt::format("variable \"{}\" is set by {}: {}", name,
                                            module_.instance.substr(0, module_.instance.size() - 1),
                                            input->second.error.message));
          }
          return Index(*input->second.value, e, 1);
        }
        if (auto t = module_.tfvars.find(name); t != module_.tfvars.end() && module_.instance.empty()) {
          def = t->second;
        } else if (auto d = module_.var_defaults.find(name); d == module_.var_defaults.end()) {
          return Result::Fail(e.span, fmt::format("variable \"{}\" is not declared in this module", name));
        } else if (d->second == nullptr && !module_.instance.empty()) {
          return Result::Fail(e.span, fmt::format("variable \"{}\" has no default and {} does not set it", name,
                                                  module_.instance.substr(0, module_.instance.size() - 1)));
        } else if (d->second == nullptr) {
          return Result::Fail(e.span, fmt::format("variable \"{}\" has no default and no terraform.tfvars value "
                                                  "(give it with --var or --var-file)", name));
        } else {
          def = d->second;
        }
      } else {
        auto l = module_.locals.find(name);
        if (l == module_.locals.end()) {
          return Result::Fail(e.span, fmt::format("local \"{}\" is not defined in this module", name));
        }
        def = l->second;
      }
      Result r = Eval(*def, depth + 1);
      if (!r) {
        return r;
      }
      return Index(*std::move(r.value), e, 1);
    }
    if (root == "path") {
      if (e.path.size() == 1 && (e.path[0] == "module" || e.path[0] == "root" || e.path[0] == "cwd")) {
        return Result::Ok(StringValue(".", e.span));
      }
      return Result::Fail(e.span, fmt::format("{} is not known", what));
    }
    if (root == "each" || root == "count" || root == "self") {
      return Result::Fail(e.span, fmt::format("{} has a value only per instance of a resource with for_each/count",
                                              what));
    }
    if (root == "data") {
      return Result::Fail(e.span, fmt::format("{} is read from a data source when Terraform runs", what));
    }
    if (root == "module") {
      return Result::Fail(e.span, fmt::format("{} is a module output; module outputs are not evaluated", what));
    }
    if (root == "terraform") {
      return Result::Fail(e.span, fmt::format("{} is known only when Terraform runs", what));
    }
    return ResourceAttribute(e, depth);
  }

  Result ResourceAttribute(const Expr& e, int depth) {
    const std::string what = hcl::Describe(e);
    if (e.path.size() < 2 || e.path[0].front() == '[' || e.path[1].front() == '[') {
      return Result::Fail(e.span, fmt::format("{} does not name a resource attribute", what));
    }
    auto it = module_.resources.find(e.name + "." + e.path[0]);
    if (it == module_.resources.end()) {
      return Result::Fail(e.span, fmt::format("resource {}.{} is not defined in this module", e.name, e.path[0]));
    }
    const Resource& res = it->second;
    const hcl::Body& body = res.block->body;
    if (body.Find("count") != nullptr || body.Find("for_each") != nullptr) {
      return Result::Fail(e.span, fmt::format("{}.{} has count/for_each: its instances are not evaluated", e.name,
                                              e.path[0]));
    }
    const std::string& attr = e.path[1];
    auto name_of = [&](std::string_view arg) -> Result {
      const hcl::Attribute* a = body.Find(arg);
      if (a == nullptr) {
        return Result::Fail(e.span, fmt::format("{}.{} has no \"{}\"", e.name, e.path[0], arg));
      }
      return Eval(a->value, depth + 1);
    };
    Result out = Result::Fail(e.span, "");
    if ((res.type == "vault_identity_group" || res.type == "vault_identity_entity") && attr == "id") {
      out = name_of("name");
      if (out) {
        out.value->ref_kind = res.type == "vault_identity_group" ? "group-id" : "entity-id";
      }
    } else if ((res.type == "vault_auth_backend" || res.type == "vault_jwt_auth_backend" ||
                res.type == "vault_github_auth_backend") &&
               attr == "accessor") {
      out = MountPath(res, depth);
      if (out) {
        out.value->ref_kind = "mount-accessor";
      }
    } else if (const hcl::Attribute* a = body.Find(attr)) {
      out = Eval(a->value, depth + 1);
    } else if ((res.type == "vault_auth_backend" || res.type == "vault_jwt_auth_backend" ||
                res.type == "vault_github_auth_backend" || res.type == "vault_mount") &&
               (attr == "path" || attr == "id")) {
      out = MountPath(res, depth);
    } else if (res.type == "vault_policy" && attr == "id") {
      out = name_of("name");
    } else if (attr == "namespace") {
      out = Result::Ok(Value{.span = e.span});  // unset: the provider's namespace
    } else if (std::optional<std::string> d = DefaultArgument(res.type, attr)) {
      out = Result::Ok(StringValue(*d, e.span));
    } else {
      return Result::Fail(e.span, fmt::format("{} is computed by Vault when the resource is created", what));
    }
    if (!out) {
      return out;
    }
    out.value->span = e.span;
    return Index(*std::move(out.value), e, 2);
  }

 public:
  // An auth backend's or mount's path: `path`, else the provider's default.
  Result MountPath(const Resource& res, int depth) {
    const hcl::Body& body = res.block->body;
    if (const hcl::Attribute* p = body.Find("path")) {
      Result r = Eval(p->value, depth + 1);
      if (r && r.value->kind == Value::Kind::kString) {
        r.value->text = StripSlashes(r.value->text);
      }
      return r;
    }
    if (res.type == "vault_auth_backend") {
      if (const hcl::Attribute* t = body.Find("type")) {
        return Eval(t->value, depth + 1);
      }
      return Result::Fail(res.block->span, "vault_auth_backend has no type");
    }
    if (std::optional<std::string> d = DefaultArgument(res.type, "path")) {
      return Result::Ok(StringValue(*d, res.block->span));
    }
    return Result::Fail(res.block->span, fmt::format("{}.{} has no path", res.type, res.name));
  }

 private:
  const Module& module_;
  const fs::path& workspace_;
  SourceSet& sources_;
  DiagnosticSink& sink_;
};

// ---------------------------------------------------------------------------
// The synthesized bindings document: a JSON tree whose every node remembers
// where in a .tf file it came from.

struct JNode {
  enum class Kind : std::uint8_t { kScalar, kString, kList, kObject };
  Kind kind = Kind::kObject;
  std::string text;  // kScalar: JSON text (number, true, false, null); kString: value
  std::vector<JNode> items;
  std::vector<std::pair<std::string, Span>> keys;  // kObject: keys[i] -> items[i]
  Span span;

  JNode& Child(std::string_view key, Span key_span) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].first == key) {
        return items[i];
      }
    }
    keys.emplace_back(std::string(key), key_span);
    items.push_back(JNode{.kind = Kind::kObject, .text = {}, .items = {}, .keys = {}, .span = key_span});
    return items.back();
  }
  bool Has(std::string_view key) const {
    return std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return k.first == key; });
  }
};

// Where `key` of an object node was written, or nullopt when absent.
std::optional<Span> KeySpan(const JNode& object, std::string_view key) {
  for (const auto& [name, span] : object.keys) {
    if (name == key) {
      return span;
    }
  }
  return std::nullopt;
}

JNode FromValue(const Value& v) {
  JNode n;
  n.span = v.span;
  switch (v.kind) {
    case Value::Kind::kNull:
      n.kind = JNode::Kind::kScalar;
      n.text = "null";
      break;
    case Value::Kind::kString:
      n.kind = JNode::Kind::kString;
      n.text = v.text;
      break;
    case Value::Kind::kNumber:
      n.kind = JNode::Kind::kScalar;
      n.text = v.text;
      break;
    case Value::Kind::kBool:
      n.kind = JNode::Kind::kScalar;
      n.text = v.boolean ? "true" : "false";
      break;
    case Value::Kind::kList:
      n.kind = JNode::Kind::kList;
      for (const Value& item : v.items) {
        n.items.push_back(FromValue(item));
      }
      break;
    case Value::Kind::kObject:
      n.kind = JNode::Kind::kObject;
      for (std::size_t i = 0; i < v.keys.size(); ++i) {
        n.keys.emplace_back(v.keys[i], v.key_spans[i]);
        n.items.push_back(FromValue(v.items[i]));
      }
      break;
  }
  return n;
}

class JsonWriter {
 public:
  void Write(const JNode& n) {
    Mark(n.span);
    switch (n.kind) {
      case JNode::Kind::kScalar:
        text += n.text;
        return;
      case JNode::Kind::kString:
        text += nlohmann::json(n.text).dump();
        return;
      case JNode::Kind::kList:
        text += '[';
        for (std::size_t i = 0; i < n.items.size(); ++i) {
          text += i == 0 ? "" : ", ";
          Write(n.items[i]);
        }
        text += ']';
        return;
      case JNode::Kind::kObject:
        text += '{';
        for (std::size_t i = 0; i < n.items.size(); ++i) {
          text += i == 0 ? "\n" : ",\n";
          Mark(n.keys[i].second);
          text += nlohmann::json(n.keys[i].first).dump();
          text += ": ";
          Write(n.items[i]);
        }
        text += "\n}";
        return;
    }
  }

  std::string text;
  std::vector<std::pair<std::uint32_t, Span>> map;

 private:
  void Mark(Span span) { map.emplace_back(static_cast<std::uint32_t>(text.size()), span); }
};

// ---------------------------------------------------------------------------
// Resources -> policies and bindings.

struct RoleKind {
  std::string_view resource;
  std::string_view method;        // mount type when the mount is not declared
  std::string_view name_arg;      // role_name / role
  std::string_view default_mount;
  std::vector<std::pair<std::string_view, std::string_view>> renames;  // Terraform -> Vault
};

const std::vector<RoleKind>& RoleKinds() {
  static const std::vector<RoleKind> kKinds = {
      {"vault_kubernetes_auth_backend_role", "kubernetes", "role_name", "kubernetes", {}},
      {"vault_aws_auth_backend_role",
       "aws",
       "role",
       "aws",
       {{"bound_iam_principal_arns", "bound_iam_principal_arn"},
        {"bound_account_ids", "bound_account_id"},
        {"bound_regions", "bound_region"},
        {"bound_vpc_ids", "bound_vpc_id"},
        {"bound_subnet_ids", "bound_subnet_id"},
        {"bound_ami_ids", "bound_ami_id"},
        {"bound_iam_role_arns", "bound_iam_role_arn"},
        {"bound_iam_instance_profile_arns", "bound_iam_instance_profile_arn"},
        {"bound_ec2_instance_ids", "bound_ec2_instance_id"}}},
      {"vault_jwt_auth_backend_role", "jwt", "role_name", "jwt", {}},
      {"vault_approle_auth_backend_role", "approle", "role_name", "approle", {}},
  };
  return kKinds;
}

// Terraform meta-arguments and provider-only arguments that do not change
// what a role grants.
const std::set<std::string_view> kIgnoredArgs = {"depends_on", "lifecycle", "description", "disable_remount",
                                                 "ignore_absent_fields", "disable_read", "disable_delete",
                                                 "write_fields", "local", "external_member_entity_ids",
                                                 "external_member_group_ids", "external_policies"};

std::string ResourceName(const Resource& r) { return r.type + "." + r.name; }

class Importer {
 public:
  Importer(const fs::path& workspace, SourceSet& sources, DiagnosticSink& sink, TerraformImport& out)
      : workspace_(workspace), sources_(sources), sink_(sink), out_(out) {}

  void Import(const Module& m) {
    Evaluator ev(m, workspace_, sources_, sink_);
    // Mounts first: roles name them, and a mount's type decides its fields.
    for (const Resource& r : m.ordered) {
      if (r.type == "vault_auth_backend" || r.type == "vault_jwt_auth_backend" ||
          r.type == "vault_github_auth_backend") {
        Guarded(m, r, [&] { return AuthBackend(ev, r); });
      } else if (r.type == "vault_mount") {
        Guarded(m, r, [&] { return SecretsMount(ev, r); });
      }
    }
    for (const Resource& r : m.ordered) {
      if (r.type == "vault_policy") {
        Guarded(m, r, [&] { return Policy(ev, r); });
      } else if (const RoleKind* kind = FindKind(r.type)) {
        Guarded(m, r, [&] { return AuthRole(ev, r, *kind); });
      } else if (r.type == "vault_generic_endpoint") {
        Guarded(m, r, [&] { return GenericEndpoint(ev, r); });
      } else if (r.type == "vault_github_team" || r.type == "vault_github_user") {
        Guarded(m, r, [&] { return GithubMap(ev, r); });
      } else if (r.type == "vault_aws_auth_backend_config_identity") {
        Guarded(m, r, [&] { return AwsConfigIdentity(ev, r); });
      } else if (r.type == "vault_token_auth_backend_role") {
        Guarded(m, r, [&] { return TokenRole(ev, r); });
      } else if (r.type == "vault_identity_group") {
        Guarded(m, r, [&] { return Group(ev, r); });
      } else if (kNotImported.count(r.type) != 0) {
        sink_.Add(Severity::kWarning, r.block->span, "terraform-unsupported",
                  fmt::format("{} is not imported: the import does not model {}; the access it grants is not "
                              "in the analysis",
                              m.instance + ResourceName(r), r.type));
      }
    }
    for (const Resource& r : m.ordered) {
      if (r.type == "vault_identity_group_alias") {
        Guarded(m, r, [&] { return GroupAlias(ev, r); });
      }
    }
  }

  void Finish() {
    if (root_.items.empty()) {
      return;
    }
    JsonWriter w;
    w.Write(root_);
    out_.has_bindings = true;
    out_.bindings_source = sources_.Add("(terraform import)", std::move(w.text));
    out_.span_map = std::move(w.map);
  }

 private:
  // A failure: the resource is left out, with the reason.
  struct Skip {
    Span span;
    std::string message;
    // Set for a second definition of one Vault object: an error (Vault has
    // one object per path) pointing at the first, which is kept.
    std::optional<Span> first;
  };
  using Outcome = std::optional<Skip>;

  static inline const std::set<std::string_view> kNotImported = {
      "vault_identity_entity",       "vault_identity_entity_alias",      "vault_identity_entity_policies",
      "vault_identity_group_policies", "vault_identity_group_member_entity_ids",
      "vault_identity_group_member_group_ids", "vault_gcp_auth_backend_role", "vault_cert_auth_backend_role",
      "vault_azure_auth_backend_role", "vault_ldap_auth_backend_group", "vault_ldap_auth_backend_user",
      "vault_okta_auth_backend_group", "vault_okta_auth_backend_user", "vault_oci_auth_backend_role",
      "vault_alicloud_auth_backend_role", "vault_kerberos_auth_backend_group",
      "vault_radius_auth_backend_user", "vault_saml_auth_backend_role", "vault_egp_policy", "vault_rgp_policy",
      "vault_token"};

  static const RoleKind* FindKind(std::string_view type) {
    for (const RoleKind& k : RoleKinds()) {
      if (k.resource == type) {
        return &k;
      }
    }
    return nullptr;
  }

  template <typename F>
  void Guarded(const Module& m, const Resource& r, F import) {
    const hcl::Body& body = r.block->body;
    Outcome skip;
    for (const char* meta : {"for_each", "count"}) {
      if (const hcl::Attribute* a = body.Find(meta)) {
        skip = Skip{a->name_span, fmt::format("{} = {}: one object per instance; instances are not evaluated",
                                              meta, hcl::Describe(a->value))};
      }
    }
    for (const hcl::Block& b : body.blocks) {
      if (!skip && b.type == "dynamic") {
        skip = Skip{b.span, "dynamic blocks are not evaluated"};
      }
    }
    if (const hcl::Attribute* ns = body.Find("namespace"); !skip && ns != nullptr) {
      // null or "" is the root namespace; anything else is not modelled.
      Evaluator ev(m, workspace_, sources_, sink_);
      Result v = ev.Eval(ns->value);
      if (!v) {
        skip = Skip{v.error.span, fmt::format("namespace = {}: {}; expected the namespace (only the root namespace "
                                              "is modelled)",
                                              hcl::Describe(ns->value), v.error.message)};
      } else if (v.value->kind != Value::Kind::kNull && !(v.value->kind == Value::Kind::kString && v.value->text.empty())) {
        skip = Skip{ns->name_span, fmt::format("namespace = {}: objects in Vault namespaces are not modelled (the "
                                               "workspace is the root namespace)",
                                               hcl::Describe(ns->value))};
      }
    }
    if (const hcl::Attribute* p = body.Find("provider"); !skip && p != nullptr) {
      skip = Skip{p->name_span, fmt::format("provider = {}: an aliased provider may be another Vault server or "
                                            "namespace",
                                            hcl::Describe(p->value))};
    }
    if (!skip && m.provider_namespace) {
      skip = Skip{*m.provider_namespace, "the vault provider of this module sets a namespace; namespaces are not "
                                         "modelled"};
    }
    if (!skip) {
      skip = import();
    }
    if (skip && skip->first) {
      sink_.Add(Diagnostic{.severity = Severity::kError,
                           .span = skip->span,
                           .message = fmt::format("{}: {}; the first definition is kept", m.instance + ResourceName(r),
                                                  skip->message),
                           .code = "duplicate-binding",
                           .vault_message = {},
                           .related = {RelatedLocation{.span = *skip->first, .message = "first defined here"}}});
      return;
    }
    if (skip) {
      sink_.Add(Severity::kWarning, skip->span, "terraform-unsupported",
                fmt::format("{} is not imported: {}", m.instance + ResourceName(r), skip->message));
      return;
    }
    ++out_.imported[r.type];
  }

  // Evaluates `arg`; a Skip names the expression and what was expected.
  std::variant<Value, Skip> Arg(Evaluator& ev, const hcl::Attribute& a, std::string_view expected) {
    Result r = ev.Eval(a.value);
    if (!r) {
      return Skip{r.error.span, fmt::format("{} = {}: {}; expected {}", a.name, hcl::Describe(a.value),
                                            r.error.message, expected)};
    }
    return *std::move(r.value);
  }

  std::variant<Value, Skip> StringArg(Evaluator& ev, const Resource& r, std::string_view name, bool required,
                                      std::string_view fallback = {}) {
    const hcl::Attribute* a = r.block->body.Find(name);
    if (a == nullptr) {
      if (required) {
        return Skip{r.block->span, fmt::format("the required argument \"{}\" is missing", name)};
      }
      return StringValue(std::string(fallback), r.block->span);
    }
    auto v = Arg(ev, *a, "a string");
    if (auto* value = std::get_if<Value>(&v); value != nullptr && value->kind != Value::Kind::kString) {
      return Skip{a->value.span, fmt::format("{} = {}: expected a string", name, hcl::Describe(a->value))};
    }
    return v;
  }

  // A plain value: no computed ids (they only fit a few arguments).
  static Outcome CheckPlain(const Value& v, const hcl::Attribute& a) {
    if (!v.ref_kind.empty()) {
      return Skip{v.span, fmt::format("{} = {}: an id Vault generates is not a value polcheck can use here",
                                      a.name, hcl::Describe(a.value))};
    }
    for (const Value& item : v.items) {
      if (Outcome o = CheckPlain(item, a)) {
        return o;
      }
    }
    return std::nullopt;
  }

  // Copies the resource's arguments into `fields`, renamed to Vault's names.
  Outcome Fields(Evaluator& ev, const Resource& r, JNode& fields, const std::set<std::string_view>& handled,
                 const std::vector<std::pair<std::string_view, std::string_view>>& renames) {
    for (const hcl::Attribute& a : r.block->body.attributes) {
      if (handled.count(a.name) != 0 || kIgnoredArgs.count(a.name) != 0) {
        continue;
      }
      auto v = Arg(ev, a, "a literal value");
      if (Skip* s = std::get_if<Skip>(&v)) {
        return *s;
      }
      if (Outcome o = CheckPlain(std::get<Value>(v), a)) {
        return o;
      }
      std::string_view name = a.name;
      for (const auto& [tf, vault] : renames) {
        if (tf == name) {
          name = vault;
        }
      }
      if (std::get<Value>(v).kind == Value::Kind::kNull) {
        continue;  // null = argument not set
      }
      JNode n = FromValue(std::get<Value>(v));
      fields.Child(name, a.name_span) = std::move(n);
    }
    return std::nullopt;
  }

  JNode& Mount(const std::string& path, Span span) { return root_.Child("auth", span).Child(path, span); }

  Outcome AuthBackend(Evaluator& ev, const Resource& r) {
    Result path = ev.MountPath(r, 0);
    if (!path || path.value->kind != Value::Kind::kString) {
      const hcl::Attribute* a = r.block->body.Find("path");
      return Skip{path ? path.value->span : path.error.span,
                  fmt::format("path = {}: {}; expected the mount path", a ? hcl::Describe(a->value) : "(default)",
                              path ? "not a string" : path.error.message)};
    }
    std::string type;
    if (r.type == "vault_github_auth_backend") {
      type = "github";
    } else {
      auto t = StringArg(ev, r, "type", r.type == "vault_auth_backend", "jwt");
      if (Skip* s = std::get_if<Skip>(&t)) {
        return *s;
      }
      type = std::get<Value>(t).text;
    }
    const std::string mount = StripSlashes(path.value->text);
    if (declared_.count(mount) != 0) {
      return Skip{path.value->span,
                  fmt::format("auth mount \"{}\" is declared twice in Terraform (Vault: path is already in use)",
                              mount),
                  declared_spans_[mount]};
    }
    JNode& node = Mount(mount, path.value->span);
    node.Child("type", r.block->span) = JNode{.kind = JNode::Kind::kString, .text = type, .items = {}, .keys = {},
                                              .span = r.block->span};
    if (const hcl::Attribute* a = r.block->body.Find("accessor"); a != nullptr) {
      (void)a;  // computed; never set in configuration
    }
    if (r.type == "vault_github_auth_backend") {
      JNode config;
      config.span = r.block->span;
      if (Outcome o = Fields(ev, r, config, {"path", "type", "tune", "namespace"}, {})) {
        return o;
      }
      if (!config.items.empty()) {
        node.Child("config", r.block->span) = std::move(config);
      }
    }
    if (r.type == "vault_jwt_auth_backend") {
      JwtConfig(ev, r, node);
    }
    declared_[mount] = type;
    declared_spans_[mount] = path.value->span;
    return std::nullopt;
  }

  // The JWT/OIDC config fields logins depend on (the OIDC client id is the
  // ID token's audience). When oidc_client_id is set to something polcheck
  // cannot evaluate (a variable, a secret), no config is recorded, so the
  // audience check is reported as not checked rather than failing.
  void JwtConfig(Evaluator& ev, const Resource& r, JNode& mount) {
    JNode config;
    config.span = r.block->span;
    for (const char* key : {"oidc_client_id", "oidc_discovery_url", "bound_issuer", "default_role", "jwks_url"}) {
      const hcl::Attribute* a = r.block->body.Find(key);
      if (a == nullptr) {
        continue;
      }
      Result v = ev.Eval(a->value);
      if (!v || v.value->kind != Value::Kind::kString) {
        if (std::string_view(key) == "oidc_client_id") {
          return;
        }
        continue;
      }
      config.Child(key, a->name_span) = FromValue(*v.value);
    }
    if (!config.items.empty()) {
      mount.Child("config", r.block->span) = std::move(config);
    }
  }

  // auth/<backend>/config/identity: iam_alias and ec2_alias pick the entity
  // alias name of AWS logins.
  Outcome AwsConfigIdentity(Evaluator& ev, const Resource& r) {
    auto backend = StringArg(ev, r, "backend", false, "aws");
    if (Skip* skip = std::get_if<Skip>(&backend)) {
      return *skip;
    }
    JNode config;
    config.span = r.block->span;
    if (Outcome o = Fields(ev, r, config, {"backend", "namespace"}, {})) {
      return o;
    }
    const std::string mount = StripSlashes(std::get<Value>(backend).text);
    JNode& node = Mount(mount, r.block->span);
    if (declared_.count(mount) == 0 && !node.Has("type")) {
      node.Child("type", r.block->span) =
          JNode{.kind = JNode::Kind::kString, .text = "aws", .items = {}, .keys = {}, .span = r.block->span};
    }
    JNode& into = node.Child("config", r.block->span);
    for (std::size_t i = 0; i < config.items.size(); ++i) {
      into.Child(config.keys[i].first, config.keys[i].second) = config.items[i];
    }
    return std::nullopt;
  }

  Outcome SecretsMount(Evaluator& ev, const Resource& r) {
    auto path = StringArg(ev, r, "path", true);
    auto type = StringArg(ev, r, "type", true);
    for (auto* v : {&path, &type}) {
      if (Skip* s = std::get_if<Skip>(v)) {
        return *s;
      }
    }
    config::Mount m;
    m.path = StripSlashes(std::get<Value>(path).text) + "/";
    m.type = std::get<Value>(type).text;
    if (m.type == "kv-v2") {
      m.type = "kv";
      m.kv_version = 2;
    } else if (m.type == "kv" || m.type == "generic") {
      m.type = "kv";
      m.kv_version = 1;
      if (const hcl::Attribute* o = r.block->body.Find("options")) {
        auto v = Arg(ev, *o, "an object such as { version = \"2\" }");
        if (Skip* s = std::get_if<Skip>(&v)) {
          return *s;
        }
        if (const Value* version = std::get<Value>(v).Member("version")) {
          if (version->text != "1" && version->text != "2") {
            return Skip{version->span, fmt::format("options.version = \"{}\": expected \"1\" or \"2\"", version->text)};
          }
          m.kv_version = version->text == "2" ? 2 : 1;
        }
      }
    }
    out_.mounts.push_back({m, std::get<Value>(path).span});
    return std::nullopt;
  }

  // The mount a role names with `backend` (a path or a vault_auth_backend reference).
  std::variant<std::string, Skip> Backend(Evaluator& ev, const Resource& r, std::string_view fallback,
                                          std::string_view arg = "backend") {
    auto v = StringArg(ev, r, arg, false, fallback);
    if (Skip* s = std::get_if<Skip>(&v)) {
      return *s;
    }
    std::string mount = StripSlashes(std::get<Value>(v).text);
    if (mount.rfind("auth/", 0) == 0) {
      mount.erase(0, 5);
    }
    return mount;
  }

  Outcome AuthRole(Evaluator& ev, const Resource& r, const RoleKind& kind) {
    auto mount = Backend(ev, r, kind.default_mount);
    if (Skip* s = std::get_if<Skip>(&mount)) {
      return *s;
    }
    auto name = StringArg(ev, r, kind.name_arg, true);
    if (Skip* s = std::get_if<Skip>(&name)) {
      return *s;
    }
    JNode fields;
    fields.span = r.block->span;
    if (Outcome o = Fields(ev, r, fields,
                           {"backend", kind.name_arg, "namespace", "provider", "disable_bound_claims_parsing"},
                           kind.renames)) {
      return o;
    }
    if (r.type == "vault_jwt_auth_backend_role") {
      if (Outcome o = ProviderBoundClaims(ev, r, fields)) {
        return o;
      }
    }
    const std::string& path = std::get<std::string>(mount);
    if (declared_.count(path) != 0 && ParseAuthType(declared_[path]) != ParseAuthType(kind.method)) {
      return Skip{std::get<Value>(name).span,
                  fmt::format("backend \"{}\" is a {} mount, not {}", path, declared_[path], kind.method)};
    }
    return AddRole(path, kind.method, "roles", std::get<Value>(name), std::move(fields));
  }

  // bound_claims is a map(string) in the provider: every value is sent as a string,
  // split on ',' (each part trimmed) into a list unless disable_bound_claims_parsing.
  Outcome ProviderBoundClaims(Evaluator& ev, const Resource& r, JNode& fields) {
    bool parse = true;
    if (const hcl::Attribute* a = r.block->body.Find("disable_bound_claims_parsing")) {
      auto v = Arg(ev, *a, "true or false");
      if (Skip* s = std::get_if<Skip>(&v)) {
        return *s;
      }
      if (std::get<Value>(v).kind != Value::Kind::kBool) {
        return Skip{a->value.span,
                    fmt::format("disable_bound_claims_parsing = {}: expected true or false", hcl::Describe(a->value))};
      }
      parse = !std::get<Value>(v).boolean;
    }
    for (std::size_t i = 0; i < fields.keys.size(); ++i) {
      if (fields.keys[i].first != "bound_claims" || fields.items[i].kind != JNode::Kind::kObject) {
        continue;
      }
      for (JNode& value : fields.items[i].items) {
        if (value.kind != JNode::Kind::kString && value.kind != JNode::Kind::kScalar) {
          continue;  // not a map(string) value: Terraform itself refuses it
        }
        value.kind = JNode::Kind::kString;  // true -> "true", 42 -> "42"
        if (!parse) {
          continue;
        }
        JNode list{.kind = JNode::Kind::kList, .text = {}, .items = {}, .keys = {}, .span = value.span};
        std::string_view rest = value.text;
        for (;;) {
          const std::size_t comma = rest.find(',');
          std::string part(rest.substr(0, comma));
          part.erase(0, part.find_first_not_of(" \t\n\r"));
          part.erase(part.find_last_not_of(" \t\n\r") + 1);
          list.items.push_back(
              JNode{.kind = JNode::Kind::kString, .text = std::move(part), .items = {}, .keys = {}, .span = value.span});
          if (comma == std::string_view::npos) {
            break;
          }
          rest.remove_prefix(comma + 1);
        }
        value = std::move(list);
      }
    }
    return std::nullopt;
  }

  Outcome AddRole(const std::string& path, std::string_view method, std::string_view section, const Value& name,
                  JNode fields) {
    JNode& mount = Mount(path, name.span);
    if (declared_.count(path) == 0 && !mount.Has("type")) {
      mount.Child("type", name.span) =
          JNode{.kind = JNode::Kind::kString, .text = std::string(method), .items = {}, .keys = {}, .span = name.span};
    }
    JNode& roles = mount.Child(section, name.span);
    if (std::optional<Span> first = KeySpan(roles, name.text)) {
      return Skip{name.span,
                  fmt::format("{} \"{}\" of auth/{} is defined twice in Terraform", section == "users" ? "user" : "role",
                              name.text, path),
                  first};
    }
    roles.Child(name.text, name.span) = std::move(fields);
    return std::nullopt;
  }

  Outcome Policy(Evaluator& ev, const Resource& r) {
    auto name = StringArg(ev, r, "name", true);
    if (Skip* s = std::get_if<Skip>(&name)) {
      return *s;
    }
    const hcl::Attribute* a = r.block->body.Find("policy");
    if (a == nullptr) {
      return Skip{r.block->span, "the required argument \"policy\" is missing"};
    }
    auto v = Arg(ev, *a, "the policy text (a string, heredoc, file(...) or templatefile(...))");
    if (Skip* s = std::get_if<Skip>(&v)) {
      return *s;
    }
    const Value& text = std::get<Value>(v);
    if (text.kind != Value::Kind::kString) {
      return Skip{a->value.span, fmt::format("policy = {}: expected the policy text", hcl::Describe(a->value))};
    }
    FileId source = 0;
    if (!text.from_file.empty() && !text.rendered) {
      source = text.from_source;
    } else if (text.verbatim) {
      // The text is the .tf file's own bytes (for <<- heredocs, up to the
      // indentation, which HCL v1 ignores): a copy of the file with everything
      // else blanked keeps line:col of policy diagnostics exact.
      const SourceFile& tf = sources_.file(text.content.file);
      std::string copy;
      copy.reserve(tf.text().size());
      for (std::uint32_t i = 0; i < tf.text().size(); ++i) {
        const char c = tf.text()[i];
        copy += (i >= text.content.begin && i < text.content.end) || c == '\n' ? c : ' ';
      }
      source = sources_.Add(tf.name(), std::move(copy));
    } else {
      const LineCol at = sources_.file(a->value.span.file).Locate(a->value.span.begin);
      const std::string origin = text.rendered ? fmt::format("{} rendered by templatefile()", text.from_file)
                                               : fmt::format("{}:{}:{}", sources_.file(a->value.span.file).name(),
                                                             at.line, at.column);
      source = sources_.Add(fmt::format("{} (vault_policy.{})", origin, r.name), text.text);
    }
    out_.policies.push_back({Lower(std::get<Value>(name).text), std::get<Value>(name).span, source});
    return std::nullopt;
  }

  Outcome GenericEndpoint(Evaluator& ev, const Resource& r) {
    auto path = StringArg(ev, r, "path", true);
    if (Skip* s = std::get_if<Skip>(&path)) {
      return *s;
    }
    const Value& p = std::get<Value>(path);
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
      const std::size_t slash = p.text.find('/', start);
      parts.push_back(p.text.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      if (slash == std::string::npos) {
        break;
      }
      start = slash + 1;
    }
    const bool user = parts.size() == 4 && parts[0] == "auth" && parts[2] == "users";
    const bool role = parts.size() == 4 && parts[0] == "auth" && parts[2] == "role";
    if (!user && !role) {
      return Skip{p.span, fmt::format("path \"{}\" is not auth/<mount>/users/<name> or auth/<mount>/role/<name>",
                                      p.text)};
    }
    const hcl::Attribute* data = r.block->body.Find("data_json");
    if (data == nullptr) {
      return Skip{r.block->span, "the required argument \"data_json\" is missing"};
    }
    Value object;
    if (data->value.kind == ExprKind::kCall && data->value.name == "jsonencode" && data->value.items.size() == 1) {
      Result o = ev.Eval(data->value.items[0]);
      if (!o) {
        return Skip{o.error.span, fmt::format("data_json = {}: {}; expected a JSON object of Vault's fields",
                                              hcl::Describe(data->value), o.error.message)};
      }
      object = *std::move(o.value);
    } else {
      auto v = Arg(ev, *data, "a JSON object of Vault's fields");
      if (Skip* s = std::get_if<Skip>(&v)) {
        return *s;
      }
      try {
        object = FromJson(nlohmann::json::parse(std::get<Value>(v).text), data->value.span);
      } catch (const nlohmann::json::exception& e) {
        return Skip{data->value.span, fmt::format("data_json is not valid JSON: {}", e.what())};
      }
    }
    if (object.kind != Value::Kind::kObject) {
      return Skip{data->value.span, "data_json: expected a JSON object of Vault's fields"};
    }
    for (const Value& item : object.items) {
      if (Outcome o = CheckPlain(item, *data)) {
        return o;
      }
    }
    const std::string& mount = parts[1];
    const std::string method = user ? "userpass" : (declared_.count(mount) != 0 ? declared_[mount] : "");
    if (user && declared_.count(mount) != 0 && ParseAuthType(declared_[mount]) != AuthType::kUserpass) {
      return Skip{p.span, fmt::format("auth/{} is a {} mount; only userpass users are modelled", mount,
                                      declared_[mount])};
    }
    if (role && method.empty()) {
      return Skip{p.span, fmt::format("auth/{} is not declared by a vault_auth_backend here, so its method type "
                                      "(and the fields of its roles) is unknown",
                                      mount)};
    }
    JNode fields = FromValue(object);
    fields.span = data->value.span;
    return AddRole(mount, method, user ? "users" : "roles", StringValue(parts[3], p.span), std::move(fields));
  }

  Outcome GithubMap(Evaluator& ev, const Resource& r) {
    const bool team = r.type == "vault_github_team";
    auto mount = Backend(ev, r, "github");
    if (Skip* s = std::get_if<Skip>(&mount)) {
      return *s;
    }
    auto name = StringArg(ev, r, team ? "team" : "user", true);
    if (Skip* s = std::get_if<Skip>(&name)) {
      return *s;
    }
    JNode policies{.kind = JNode::Kind::kList, .text = {}, .items = {}, .keys = {}, .span = r.block->span};
    if (const hcl::Attribute* a = r.block->body.Find("policies")) {
      auto v = Arg(ev, *a, "a list of policy names");
      if (Skip* s = std::get_if<Skip>(&v)) {
        return *s;
      }
      if (Outcome o = CheckPlain(std::get<Value>(v), *a)) {
        return o;
      }
      policies = FromValue(std::get<Value>(v));
    }
    const std::string& path = std::get<std::string>(mount);
    JNode& m = Mount(path, std::get<Value>(name).span);
    if (declared_.count(path) == 0 && !m.Has("type")) {
      m.Child("type", r.block->span) =
          JNode{.kind = JNode::Kind::kString, .text = "github", .items = {}, .keys = {}, .span = r.block->span};
    }
    JNode& map = m.Child("map", r.block->span).Child(team ? "teams" : "users", r.block->span);
    const std::string key = Lower(std::get<Value>(name).text);
    if (std::optional<Span> first = KeySpan(map, key)) {
      return Skip{std::get<Value>(name).span, fmt::format("{} \"{}\" of auth/{} is mapped twice in Terraform",
                                                          team ? "team" : "user", key, path),
                  first};
    }
    map.Child(key, std::get<Value>(name).span) = std::move(policies);
    return std::nullopt;
  }

  Outcome TokenRole(Evaluator& ev, const Resource& r) {
    auto name = StringArg(ev, r, "role_name", true);
    if (Skip* s = std::get_if<Skip>(&name)) {
      return *s;
    }
    JNode fields;
    fields.span = r.block->span;
    if (Outcome o = Fields(ev, r, fields, {"role_name", "namespace", "provider"}, {})) {
      return o;
    }
    JNode& roles = root_.Child("token_roles", r.block->span);
    if (std::optional<Span> first = KeySpan(roles, std::get<Value>(name).text)) {
      return Skip{std::get<Value>(name).span,
                  fmt::format("token role \"{}\" is defined twice in Terraform", std::get<Value>(name).text), first};
    }
    roles.Child(std::get<Value>(name).text, std::get<Value>(name).span) = std::move(fields);
    return std::nullopt;
  }

  Outcome Group(Evaluator& ev, const Resource& r) {
    auto name = StringArg(ev, r, "name", true);
    if (Skip* s = std::get_if<Skip>(&name)) {
      return *s;
    }
    JNode group;
    group.span = std::get<Value>(name).span;
    group.Child("name", std::get<Value>(name).span) = FromValue(std::get<Value>(name));
    for (const hcl::Attribute& a : r.block->body.attributes) {
      if (a.name == "name" || kIgnoredArgs.count(a.name) != 0 || a.name == "namespace" || a.name == "provider") {
        continue;
      }
      auto v = Arg(ev, a, a.name.rfind("member_", 0) == 0 ? "a list of ids (or vault_identity_*.x.id references)"
                                                          : "a literal value");
      if (Skip* s = std::get_if<Skip>(&v)) {
        return *s;
      }
      Value& value = std::get<Value>(v);
      std::string field = a.name;
      if (a.name == "member_group_ids" || a.name == "member_entity_ids") {
        // References to groups/entities in this module name them; literal ids stay ids.
        const std::string want = a.name == "member_group_ids" ? "group-id" : "entity-id";
        for (Value& item : value.items) {
          if (!item.ref_kind.empty() && item.ref_kind != want) {
            return Skip{item.span, fmt::format("{}: expected {} ids", a.name, want == "group-id" ? "group" : "entity")};
          }
          item.ref_kind.clear();
        }
      }
      if (Outcome o = CheckPlain(value, a)) {
        return o;
      }
      if (value.kind != Value::Kind::kNull) {
        group.Child(field, a.name_span) = FromValue(value);
      }
    }
    const std::string key = std::get<Value>(name).text;
    if (auto it = group_spans_.find(key); it != group_spans_.end()) {
      return Skip{std::get<Value>(name).span, fmt::format("group \"{}\" is defined twice in Terraform", key),
                  it->second};
    }
    group_spans_[key] = std::get<Value>(name).span;
    groups_[key] = group_nodes_.size();
    group_nodes_.push_back(std::move(group));
    RebuildGroups(r.block->span);
    return std::nullopt;
  }

  Outcome GroupAlias(Evaluator& ev, const Resource& r) {
    auto name = StringArg(ev, r, "name", true);
    if (Skip* s = std::get_if<Skip>(&name)) {
      return *s;
    }
    const hcl::Attribute* canonical = r.block->body.Find("canonical_id");
    const hcl::Attribute* accessor = r.block->body.Find("mount_accessor");
    if (canonical == nullptr || accessor == nullptr) {
      return Skip{r.block->span, "canonical_id and mount_accessor are required"};
    }
    auto group = Arg(ev, *canonical, "a vault_identity_group.<name>.id reference");
    if (Skip* s = std::get_if<Skip>(&group)) {
      return *s;
    }
    if (std::get<Value>(group).ref_kind != "group-id" || groups_.count(std::get<Value>(group).text) == 0) {
      return Skip{canonical->value.span, fmt::format("canonical_id = {}: expected a reference to a "
                                                     "vault_identity_group imported from this module",
                                                     hcl::Describe(canonical->value))};
    }
    auto mount = Arg(ev, *accessor, "a vault_auth_backend.<name>.accessor reference or an accessor");
    if (Skip* s = std::get_if<Skip>(&mount)) {
      return *s;
    }
    const Value& m = std::get<Value>(mount);
    JNode alias;
    alias.span = std::get<Value>(name).span;
    alias.Child("name", std::get<Value>(name).span) = FromValue(std::get<Value>(name));
    if (m.ref_kind == "mount-accessor") {
      alias.Child("mount", m.span) = JNode{.kind = JNode::Kind::kString, .text = m.text, .items = {}, .keys = {},
                                           .span = m.span};
    } else if (m.kind == Value::Kind::kString && m.ref_kind.empty()) {
      alias.Child("mount_accessor", m.span) = FromValue(m);
    } else {
      return Skip{accessor->value.span, "mount_accessor: expected a vault_auth_backend.<name>.accessor reference"};
    }
    JNode& g = group_nodes_[groups_[std::get<Value>(group).text]];
    JNode& aliases = g.Child("aliases", r.block->span);
    if (!aliases.items.empty()) {
      return Skip{std::get<Value>(name).span, "the group already has an alias (Vault allows one per group)"};
    }
    aliases.kind = JNode::Kind::kList;
    aliases.items.push_back(std::move(alias));
    RebuildGroups(r.block->span);
    return std::nullopt;
  }

  void RebuildGroups(Span span) {
    JNode& list = root_.Child("identity", span).Child("groups", span);
    list.kind = JNode::Kind::kList;
    list.items = group_nodes_;
  }

  const fs::path& workspace_;
  SourceSet& sources_;
  DiagnosticSink& sink_;
  TerraformImport& out_;
  JNode root_;
  std::map<std::string, std::string> declared_;  // auth mount path -> type, from Terraform
  std::map<std::string, Span> declared_spans_;  // mount path -> its path argument
  std::map<std::string, std::size_t> groups_;    // group name -> index in group_nodes_
  std::map<std::string, Span> group_spans_;      // group name -> its `name` argument
  std::vector<JNode> group_nodes_;
};

// ---------------------------------------------------------------------------

void Collect(Module& m, const hcl::Body& body, FileId file) {
  for (const hcl::Block& b : body.blocks) {
    if (b.type == "variable" && b.labels.size() == 1) {
      const hcl::Attribute* d = b.body.Find("default");
      m.var_defaults[b.labels[0]] = d == nullptr ? nullptr : &d->value;
      m.var_spans[b.labels[0]] = b.span;
    } else if (b.type == "locals") {
      for (const hcl::Attribute& a : b.body.attributes) {
        m.locals[a.name] = &a.value;
      }
    } else if (b.type == "resource" && b.labels.size() == 2) {
      Resource r{b.labels[0], b.labels[1], &b, file};
      m.resources[b.labels[0] + "." + b.labels[1]] = r;
      m.ordered.push_back(r);
    } else if (b.type == "module" && b.labels.size() == 1) {
      m.calls.push_back(&b);
    } else if (b.type == "provider" && b.labels.size() == 1 && b.labels[0] == "vault") {
      if (const hcl::Attribute* ns = b.body.Find("namespace"); ns != nullptr && b.body.Find("alias") == nullptr) {
        m.provider_namespace = ns->name_span;
      }
    }
  }
}

bool Hidden(const fs::path& rel) {
  for (const fs::path& part : rel) {
    const std::string s = part.string();
    if (s.size() > 1 && s[0] == '.' && s != "..") {
      return true;
    }
  }
  return false;
}

}  // namespace

namespace {

// -var-file and -var as HCL bodies: a -var value is a string unless it is
// written as a list or object (as Terraform reads it for such variables).
std::vector<hcl::Body> ReadCommandLineVars(const TerraformOptions& options, SourceSet& sources, DiagnosticSink& sink) {
  std::vector<hcl::Body> out;
  for (const auto& [name, text] : options.var_files) {
    out.push_back(hcl::ParseConfig(sources.file(sources.Add(name, text)), sink));
  }
  for (const std::string& var : options.vars) {
    const std::size_t eq = var.find('=');
    const std::string key = var.substr(0, eq);
    const std::string value = eq == std::string::npos ? std::string() : var.substr(eq + 1);
    std::string text = key + " = ";
    if (!value.empty() && (value.front() == '[' || value.front() == '{')) {
      text += value;
    } else {
      text += '"';
      for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '"' || c == '\\') {
          text += '\\';
        } else if ((c == '$' || c == '%') && i + 1 < value.size() && value[i + 1] == '{') {
          text += c;  // "$${" and "%%{" keep a literal ${ / %{
        }
        text += c;
      }
      text += '"';
    }
    out.push_back(hcl::ParseConfig(sources.file(sources.Add("--var " + key, text + "\n")), sink));
  }
  return out;
}

// The folder a local module source names, relative to the workspace; nullopt
// for registry, git, http and other remote sources.
std::optional<std::string> LocalModuleDir(const Module& caller, const std::string& source) {
  if (!source.starts_with("./") && !source.starts_with("../")) {
    return std::nullopt;
  }
  fs::path rel = (fs::path(caller.rel == "." ? "" : caller.rel) / source).lexically_normal();
  std::string out = rel.generic_string();
  while (!out.empty() && out.back() == '/') {
    out.pop_back();
  }
  return out == "." ? std::string() : out;
}

class ModuleCalls {
 public:
  ModuleCalls(std::map<std::string, Module*> by_dir, Importer& importer, const fs::path& workspace, SourceSet& sources,
              DiagnosticSink& sink)
      : by_dir_(std::move(by_dir)), importer_(importer), workspace_(workspace), sources_(sources), sink_(sink) {}

  // Folders some module call names: they are imported through their calls only.
  std::set<const Module*> Called() const {
    std::set<const Module*> out;
    for (const auto& [dir, m] : by_dir_) {
      for (const hcl::Block* call : m->calls) {
        if (std::optional<std::string> child = Source(*m, *call).second; child) {
          if (auto it = by_dir_.find(*child); it != by_dir_.end() && it->second != m) {
            out.insert(it->second);
          }
        }
      }
    }
    return out;
  }

  // Imports every module `caller` calls, with the call's arguments bound to
  // the child's variables, then the child's own calls.
  void Import(Module& caller, int depth) {
    for (const hcl::Block* call : caller.calls) {
      const std::string address = caller.instance + "module." + call->labels[0];
      auto [source, dir] = Source(caller, *call);
      auto warn = [&](Span span, const std::string& why) {
        sink_.Add(Severity::kWarning, span, "terraform-unsupported",
                  fmt::format("{} is not imported: {}", address, why));
      };
      if (source.empty()) {
        warn(call->span, "it has no literal `source`");
        continue;
      }
      if (const hcl::Attribute* meta = call->body.Find("for_each") ? call->body.Find("for_each")
                                                                    : call->body.Find("count")) {
        warn(meta->name_span, fmt::format("{} = {}: one module instance per element; instances are not evaluated",
                                          meta->name, hcl::Describe(meta->value)));
        continue;
      }
      if (!dir) {
        warn(call->body.Find("source")->value.span,
             fmt::format("source \"{}\" is not a local path; registry, git and other remote modules are not "
                         "fetched (expected a source starting with ./ or ../)",
                         source));
        continue;
      }
      auto it = by_dir_.find(*dir);
      if (it == by_dir_.end()) {
        warn(call->body.Find("source")->value.span,
             fmt::format("source \"{}\" names no folder with .tf files in the workspace", source));
        continue;
      }
      if (depth > 8 || it->second == &caller) {
        warn(call->span, "module calls nest too deeply (a cycle?)");
        continue;
      }
      Module& child = *it->second;
      std::map<std::string, Result> inputs;
      Evaluator ev(caller, workspace_, sources_, sink_);
      for (const hcl::Attribute& a : call->body.attributes) {
        static const std::set<std::string> kMeta = {"source", "version", "providers", "depends_on"};
        if (kMeta.count(a.name) != 0) {
          continue;
        }
        if (child.var_defaults.count(a.name) == 0) {
          sink_.Add(Severity::kWarning, a.name_span, "terraform-unsupported",
                    fmt::format("{}: argument \"{}\" names no variable of {}", address, a.name, *dir));
          continue;
        }
        inputs.emplace(a.name, ev.Eval(a.value));
      }
      std::string saved_instance = std::exchange(child.instance, address + ".");
      std::map<std::string, Result> saved_inputs = std::exchange(child.inputs, std::move(inputs));
      importer_.Import(child);
      Import(child, depth + 1);
      child.instance = std::move(saved_instance);
      child.inputs = std::move(saved_inputs);
    }
  }

 private:
  // The call's literal source and, when it is local, the folder.
  std::pair<std::string, std::optional<std::string>> Source(const Module& caller, const hcl::Block& call) const {
    const hcl::Attribute* source = call.body.Find("source");
    if (source == nullptr || source->value.kind != hcl::ExprKind::kString) {
      return {"", std::nullopt};
    }
    return {source->value.text, LocalModuleDir(caller, source->value.text)};
  }

  std::map<std::string, Module*> by_dir_;
  Importer& importer_;
  const fs::path& workspace_;
  SourceSet& sources_;
  DiagnosticSink& sink_;
};

}  // namespace

TerraformImport ReadTerraform(const fs::path& directory, SourceSet& sources, DiagnosticSink& sink) {
  return ReadTerraform(directory, sources, sink, TerraformOptions{});
}

TerraformImport ReadTerraform(const fs::path& directory, SourceSet& sources, DiagnosticSink& sink,
                              const TerraformOptions& options) {
  TerraformImport out;
  std::map<std::string, std::vector<fs::path>> tf_by_dir;      // rel dir -> files
  std::map<std::string, std::vector<fs::path>> tfvars_by_dir;  // auto-loaded tfvars
  std::error_code ec;
  fs::recursive_directory_iterator it(directory, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), directory, ec);
    if (Hidden(rel)) {
      if (it->is_directory(ec)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!it->is_regular_file(ec)) {
      continue;
    }
    const std::string name = it->path().filename().string();
    const std::string dir = rel.parent_path().generic_string();
    if (it->path().extension() == ".tf") {
      tf_by_dir[dir].push_back(rel);
    } else if (name == "terraform.tfvars" || (name.size() > 12 && name.ends_with(".auto.tfvars"))) {
      tfvars_by_dir[dir].push_back(rel);
    }
  }
  Importer importer(directory, sources, sink, out);
  std::vector<std::unique_ptr<Module>> modules;  // bodies must outlive the import
  std::map<std::string, Module*> by_dir;
  for (auto& [dir, files] : tf_by_dir) {
    std::sort(files.begin(), files.end());
    auto m = std::make_unique<Module>();
    m->dir = directory / dir;
    m->rel = dir.empty() ? "." : dir;
    m->bodies.reserve(files.size() + tfvars_by_dir[dir].size());
    for (const fs::path& rel : files) {
      Expected<std::string> text = ReadFile(directory / rel);
      if (!text) {
        sink.Add(Severity::kError, Span{}, "terraform-io", text.error().message);
        continue;
      }
      const FileId id = sources.Add(rel.generic_string(), *std::move(text));
      m->bodies.push_back(hcl::ParseConfig(sources.file(id), sink));
      Collect(*m, m->bodies.back(), id);
      ++out.files;
    }
    // terraform.tfvars first, then *.auto.tfvars in lexical order: later files win.
    std::vector<fs::path>& vars = tfvars_by_dir[dir];
    std::sort(vars.begin(), vars.end(), [](const fs::path& a, const fs::path& b) {
      const bool at = a.filename() == "terraform.tfvars";
      const bool bt = b.filename() == "terraform.tfvars";
      return at != bt ? at : a < b;
    });
    for (const fs::path& rel : vars) {
      Expected<std::string> text = ReadFile(directory / rel);
      if (!text) {
        continue;
      }
      const FileId id = sources.Add(rel.generic_string(), *std::move(text));
      m->bodies.push_back(hcl::ParseConfig(sources.file(id), sink));
      for (const hcl::Attribute& a : m->bodies.back().attributes) {
        m->tfvars[a.name] = &a.value;
      }
    }
    by_dir[dir] = m.get();
    modules.push_back(std::move(m));
  }
  // -var-file, then -var, override the auto-loaded files of every root module.
  const std::vector<hcl::Body> command_line = ReadCommandLineVars(options, sources, sink);
  ModuleCalls calls(by_dir, importer, directory, sources, sink);
  const std::set<const Module*> called = calls.Called();
  for (const std::unique_ptr<Module>& m : modules) {
    if (called.count(m.get()) != 0) {
      continue;  // a child module: imported through its calls
    }
    for (const hcl::Body& body : command_line) {
      for (const hcl::Attribute& a : body.attributes) {
        m->tfvars[a.name] = &a.value;
      }
    }
    importer.Import(*m);
    calls.Import(*m, 0);
  }
  importer.Finish();
  return out;
}

void LoadTerraformBindings(const TerraformImport& tf, const SourceSet& sources, Bindings& out,
                           DiagnosticSink& sink) {
  if (!tf.has_bindings) {
    return;
  }
  auto remap = [&](Span& s) {
    if (s.file != tf.bindings_source || tf.span_map.empty()) {
      return;
    }
    // The node starting at (or last before) the offset.
    auto it = std::upper_bound(tf.span_map.begin(), tf.span_map.end(), s.begin,
                               [](std::uint32_t at, const auto& entry) { return at < entry.first; });
    if (it != tf.span_map.begin()) {
      --it;
    }
    s = it->second;
  };
  // Objects already defined by bindings/ files are kept; the reader reports
  // a second definition here as an error (duplicate-binding).
  DiagnosticSink local;
  LoadBindings(sources.file(tf.bindings_source), out, local);
  for (Diagnostic d : local.diagnostics()) {
    remap(d.span);
    for (RelatedLocation& r : d.related) {
      remap(r.span);
    }
    sink.Add(std::move(d));
  }
  for (AuthMount& m : out.mounts) {
    remap(m.span);
    for (Role& r : m.roles) {
      remap(r.name_span);
      if (r.file == tf.bindings_source) {
        r.file = r.name_span.file;
      }
      for (auto& [name, f] : r.fields.values) {
        remap(f.span);
        remap(f.key_span);
      }
    }
    for (auto& [name, f] : m.github.fields.values) {
      remap(f.span);
      remap(f.key_span);
    }
    for (auto& [name, f] : m.config.values) {
      remap(f.span);
      remap(f.key_span);
    }
    for (auto& [name, s] : m.github.team_spans) {
      remap(s);
    }
    for (auto& [name, s] : m.github.user_spans) {
      remap(s);
    }
  }
  for (TokenRole& t : out.token_roles) {
    remap(t.name_span);
    for (auto& [name, f] : t.fields.values) {
      remap(f.span);
      remap(f.key_span);
    }
  }
  for (IdentityEntity& e : out.entities) {
    remap(e.span);
    for (EntityAlias& a : e.aliases) {
      remap(a.span);
    }
  }
  for (IdentityGroup& g : out.groups) {
    remap(g.span);
    for (GroupAlias& a : g.aliases) {
      remap(a.span);
    }
  }
}

void AddTerraformMounts(const TerraformImport& tf, config::Config& config, DiagnosticSink& sink) {
  for (const TerraformMount& t : tf.mounts) {
    auto same = std::find_if(config.mounts.begin(), config.mounts.end(),
                             [&](const config::Mount& m) { return m.path == t.mount.path; });
    if (same == config.mounts.end()) {
      config.mounts.push_back(t.mount);
    } else if (config.file.empty()) {
      *same = t.mount;
    } else if (same->type != t.mount.type || same->kv_version != t.mount.kv_version) {
      sink.Add(Severity::kWarning, t.span, "terraform-mount",
               fmt::format("mount {} is {}{} here but {}{} in {}; polcheck.yaml wins", t.mount.path, t.mount.type,
                           t.mount.kv_version != 0 ? fmt::format(" v{}", t.mount.kv_version) : "", same->type,
                           same->kv_version != 0 ? fmt::format(" v{}", same->kv_version) : "",
                           config.file.filename().string()));
    }
  }
  std::stable_sort(config.mounts.begin(), config.mounts.end(),
                   [](const config::Mount& a, const config::Mount& b) { return a.path.size() > b.path.size(); });
}

}  // namespace polcheck::analysis
