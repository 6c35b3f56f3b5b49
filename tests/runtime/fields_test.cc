// Typed request fields (runtime/fields.h): the weak conversions of Vault's
// framework, first as a table over ConvertFields, then through Core::Handle on
// the endpoints where clients send strings (Vault CLI `key=value`, form bodies).
#include "runtime/fields.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/runtime/core_fixture.h"

namespace polcheck::runtime {
namespace {

using nlohmann::json;

struct ConvertCase {
  FieldKind kind;
  json input;
  json expected;      // the converted value when `error` is empty
  std::string error;  // the whole message ConvertFields returns
};

class ConvertTable : public ::testing::TestWithParam<ConvertCase> {};

TEST_P(ConvertTable, ConvertsLikeMapstructureWeakDecode) {
  const ConvertCase& c = GetParam();
  json data = {{"f", c.input}};
  const std::array<Field, 1> fields = {{{"f", c.kind}}};
  std::optional<std::string> error = ConvertFields(data, fields);
  if (c.error.empty()) {
    ASSERT_FALSE(error) << *error;
    EXPECT_EQ(data["f"], c.expected) << c.input.dump();
    EXPECT_EQ(data["f"].type(), c.expected.type()) << c.input.dump();
  } else {
    ASSERT_TRUE(error) << c.input.dump() << " -> " << data["f"].dump();
    EXPECT_EQ(*error, c.error);
    EXPECT_EQ(data["f"], c.input) << "a field that does not convert is left as sent";
  }
}

constexpr auto B = FieldKind::kBool;
constexpr auto I = FieldKind::kInt;
constexpr auto S = FieldKind::kString;
constexpr auto L = FieldKind::kIntList;
constexpr auto M = FieldKind::kStringMap;
constexpr auto P = FieldKind::kKvPairs;

INSTANTIATE_TEST_SUITE_P(
    Fields, ConvertTable,
    ::testing::Values(
        // TypeBool: strconv.ParseBool's spellings, numbers as their text, "" is false.
        ConvertCase{B, true, true, ""}, ConvertCase{B, "true", true, ""}, ConvertCase{B, "True", true, ""},
        ConvertCase{B, "TRUE", true, ""}, ConvertCase{B, "t", true, ""}, ConvertCase{B, "1", true, ""},
        ConvertCase{B, "false", false, ""}, ConvertCase{B, "F", false, ""}, ConvertCase{B, "0", false, ""},
        ConvertCase{B, "", false, ""}, ConvertCase{B, 1, true, ""}, ConvertCase{B, 0, false, ""},
        ConvertCase{B, "yes", nullptr,
                    "error converting input yes for field \"f\": cannot parse '' as bool: strconv.ParseBool: "
                    "parsing \"yes\": invalid syntax"},
        ConvertCase{B, 2, nullptr,
                    "error converting input 2 for field \"f\": cannot parse '' as bool: strconv.ParseBool: "
                    "parsing \"2\": invalid syntax"},
        ConvertCase{
            B, json::array({true}), nullptr,
            "error converting input [true] for field \"f\": '' expected type 'bool', got unconvertible "
            "type '[]interface {}', value: '[true]'"},
        // TypeInt: strconv.ParseInt(s, 0, 64): base prefixes, a leading 0 is octal, '_' between digits.
        ConvertCase{I, 3, 3, ""}, ConvertCase{I, "3", 3, ""}, ConvertCase{I, "-12", -12, ""},
        ConvertCase{I, "+7", 7, ""}, ConvertCase{I, "0x1f", 31, ""}, ConvertCase{I, "0o17", 15, ""},
        ConvertCase{I, "0b101", 5, ""}, ConvertCase{I, "010", 8, ""}, ConvertCase{I, "1_000", 1000, ""},
        ConvertCase{I, "", 0, ""}, ConvertCase{I, true, 1, ""}, ConvertCase{I, false, 0, ""},
        ConvertCase{I, "9223372036854775807", std::int64_t{9223372036854775807}, ""},
        ConvertCase{I, "-9223372036854775808", std::numeric_limits<std::int64_t>::min(), ""},
        ConvertCase{I, "3.5", nullptr,
                    "error converting input 3.5 for field \"f\": cannot parse '' as int: strconv.ParseInt: "
                    "parsing \"3.5\": invalid syntax"},
        ConvertCase{I, 3.5, nullptr,
                    "error converting input 3.5 for field \"f\": cannot parse '' as int: strconv.ParseInt: "
                    "parsing \"3.5\": invalid syntax"},
        ConvertCase{I, "_1", nullptr,
                    "error converting input _1 for field \"f\": cannot parse '' as int: strconv.ParseInt: "
                    "parsing \"_1\": invalid syntax"},
        ConvertCase{I, "08", nullptr,
                    "error converting input 08 for field \"f\": cannot parse '' as int: strconv.ParseInt: "
                    "parsing \"08\": invalid syntax"},
        ConvertCase{I, "9223372036854775808", nullptr,
                    "error converting input 9223372036854775808 for field \"f\": cannot parse '' as int: "
                    "strconv.ParseInt: parsing \"9223372036854775808\": value out of range"},
        ConvertCase{I, json::object({{"a", 1}}), nullptr,
                    "error converting input map[a:1] for field \"f\": '' expected type 'int', got "
                    "unconvertible type 'map[string]interface {}', value: 'map[a:1]'"},
        // TypeString: bools are "1"/"0", numbers their text.
        ConvertCase{S, "x", "x", ""}, ConvertCase{S, 5, "5", ""}, ConvertCase{S, true, "1", ""},
        ConvertCase{S, false, "0", ""},
        ConvertCase{
            S, json::array({"a", "b"}), nullptr,
            "error converting input [a b] for field \"f\": '' expected type 'string', got unconvertible "
            "type '[]interface {}', value: '[a b]'"},
        // TypeCommaIntSlice.
        ConvertCase{L, "1,2,3", json::array({1, 2, 3}), ""},
        ConvertCase{L, json::array({"3", 4}), json::array({3, 4}), ""},
        ConvertCase{L, 7, json::array({7}), ""}, ConvertCase{L, "", json::array(), ""},
        ConvertCase{L, "1,a,b", nullptr,
                    "error converting input 1,a,b for field \"f\": 2 error(s) decoding:\n\n"
                    "* cannot parse '[1]' as int: strconv.ParseInt: parsing \"a\": invalid syntax\n"
                    "* cannot parse '[2]' as int: strconv.ParseInt: parsing \"b\": invalid syntax"},
        // map[string]string and TypeKVPairs.
        ConvertCase{M, json({{"a", 1}, {"b", true}}), json({{"a", "1"}, {"b", "1"}}), ""},
        ConvertCase{M, json::array(), json::object(), ""},
        ConvertCase{M, "x", nullptr, "error converting input x for field \"f\": '' expected a map, got 'string'"},
        ConvertCase{M, json({{"a", {{"n", 1}}}}), nullptr,
                    "error converting input map[a:map[n:1]] for field \"f\": 1 error(s) decoding:\n\n"
                    "* '[a]' expected type 'string', got unconvertible type 'map[string]interface {}', value: "
                    "'map[n:1]'"},
        ConvertCase{P, json({{"team", "a"}}), json({{"team", "a"}}), ""},
        ConvertCase{P, json::array({"team=a", "env=x=y"}), json({{"team", "a"}, {"env", "x=y"}}), ""},
        ConvertCase{P, "team=a", json({{"team", "a"}}), ""},
        ConvertCase{P, -1, nullptr, "error converting input -1 for field \"f\": invalid key pair \"-1\""},
        ConvertCase{P, json::array({"=a"}), nullptr,
                    "error converting input [=a] for field \"f\": invalid key pair \"=a\""}));

TEST(Fields, FrameworkStyleStopsAtTheFirstBadFieldInDeclaredOrder) {
  json data = {{"a", "nope"}, {"b", "also"}, {"c", "5"}};
  const std::array<Field, 3> fields = {
      {{"c", FieldKind::kInt}, {"b", FieldKind::kBool}, {"a", FieldKind::kBool}}};
  std::optional<std::string> error = ConvertFields(data, fields);
  ASSERT_TRUE(error);
  EXPECT_EQ(
      *error,
      "error converting input also for field \"b\": cannot parse '' as bool: strconv.ParseBool: parsing "
      "\"also\": invalid syntax");
  EXPECT_EQ(data["c"], 5);
}

TEST(Fields, StructStyleListsEveryBadFieldByName) {
  json data = {{"renewable", "yes"}, {"num_uses", "x"}, {"no_parent", "1"}, {"unrelated", "kept"}};
  const std::array<Field, 3> fields = {
      {{"renewable", FieldKind::kBool}, {"num_uses", FieldKind::kInt}, {"no_parent", FieldKind::kBool}}};
  std::optional<std::string> error = ConvertFields(data, fields, FieldErrors::kStruct);
  ASSERT_TRUE(error);
  EXPECT_EQ(*error,
            "Error decoding request: 2 error(s) decoding:\n\n"
            "* cannot parse 'num_uses' as int: strconv.ParseInt: parsing \"x\": invalid syntax\n"
            "* cannot parse 'renewable' as bool: strconv.ParseBool: parsing \"yes\": invalid syntax");
  EXPECT_EQ(data["no_parent"], true);
  EXPECT_EQ(data["unrelated"], "kept");
}

TEST(Fields, AbsentAndUndeclaredFieldsAreUntouched) {
  json data = {{"other", "yes"}};
  const std::array<Field, 1> fields = {{{"renewable", FieldKind::kBool}}};
  EXPECT_FALSE(ConvertFields(data, fields));
  EXPECT_EQ(data, json({{"other", "yes"}}));
}

// ---- through the core -------------------------------------------------------------------------

using testing::CoreTest;
using testing::Reply;

class FieldsOverHttp : public CoreTest {
 protected:
  // A form body, as `curl -d` and several clients send it: every value is a string.
  Reply PostForm(const std::string& path, const std::string& body) {
    return Raw({.method = "POST",
                .target = "/v1/" + path,
                .token = "root",
                .content_type = "application/x-www-form-urlencoded",
                .body = body,
                .remote_address = "127.0.0.1"});
  }
  Reply Raw(const HttpRequest& request) {
    HttpResponse out = core_->Handle(request);
    Reply reply{.status = out.status};
    if (!out.body.empty()) {
      reply.body = json::parse(out.body, nullptr, false);
    }
    return reply;
  }
};

TEST_F(FieldsOverHttp, TokenCreateTakesStringBoolsAndInts) {
  Reply r =
      Post("auth/token/create",
           {{"renewable", "false"}, {"num_uses", "3"}, {"no_default_policy", "true"}, {"policies", "p1"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["auth"]["renewable"], false);
  EXPECT_EQ(r.body["auth"]["policies"], json::array({"p1"}));
  Reply looked = Post("auth/token/lookup", {{"token", r.body["auth"]["client_token"]}});
  ASSERT_EQ(looked.status, 200) << looked.body.dump();
  EXPECT_EQ(looked.body["data"]["num_uses"], 3);
  EXPECT_EQ(looked.body["data"]["renewable"], false);
}

TEST_F(FieldsOverHttp, TokenCreateFromAFormBody) {
  Reply r = PostForm("auth/token/create", "renewable=false&num_uses=2&policies=p1");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["auth"]["renewable"], false);
}

TEST_F(FieldsOverHttp, TokenCreateRefusesWhatDoesNotConvertAsVaultDoes) {
  Reply r = Post("auth/token/create", {{"renewable", "yes"}, {"num_uses", "many"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Error(),
            "Error decoding request: 2 error(s) decoding:\n\n"
            "* cannot parse 'num_uses' as int: strconv.ParseInt: parsing \"many\": invalid syntax\n"
            "* cannot parse 'renewable' as bool: strconv.ParseBool: parsing \"yes\": invalid syntax");
}

TEST_F(FieldsOverHttp, TokenCreateMetaIsAMapOfStrings) {
  Reply r = Post("auth/token/create", {{"meta", {{"team", "a"}, {"n", 5}}}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["auth"]["metadata"], json({{"team", "a"}, {"n", "5"}}));
  Reply nested = Post("auth/token/create", {{"meta", {{"k", {{"n", 1}}}}}, {"num_uses", "x"}});
  EXPECT_EQ(nested.status, 400);
  EXPECT_EQ(nested.Error(),
            "Error decoding request: 2 error(s) decoding:\n\n"
            "* 'meta[k]' expected type 'string', got unconvertible type 'map[string]interface {}', value: "
            "'map[n:1]'\n"
            "* cannot parse 'num_uses' as int: strconv.ParseInt: parsing \"x\": invalid syntax");
}

TEST_F(FieldsOverHttp, KvV2MaxVersionsIsAUint32AndCustomMetadataKeyPairs) {
  // -1 used to prune every version, the current one included, and fail the next write.
  ASSERT_EQ(Post("secret/config", {{"max_versions", -1}}).status, 204);
  EXPECT_EQ(Get("secret/config").body["data"]["max_versions"], 4294967295u);
  for (int i = 0; i < 3; ++i) {
    Reply w = Post("secret/data/many", {{"data", {{"i", i}}}});
    ASSERT_EQ(w.status, 200) << w.body.dump();
  }
  EXPECT_EQ(Get("secret/data/many").body["data"]["data"]["i"], 2);
  ASSERT_EQ(Post("secret/metadata/many", {{"custom_metadata", json::array({"team=a", "env=prod"})}}).status, 204);
  EXPECT_EQ(Get("secret/metadata/many").body["data"]["custom_metadata"], json({{"env", "prod"}, {"team", "a"}}));
  Reply bad = Post("secret/metadata/many", {{"custom_metadata", -1}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Error(), "error converting input -1 for field \"custom_metadata\": invalid key pair \"-1\"");
}

TEST_F(FieldsOverHttp, TokenRoleFields) {
  Reply w =
      Post("auth/token/roles/ci",
           {{"orphan", "true"}, {"renewable", "0"}, {"token_num_uses", "4"}, {"allowed_policies", "p1"}});
  ASSERT_EQ(w.status, 204) << w.body.dump();
  Reply role = Get("auth/token/roles/ci");
  ASSERT_EQ(role.status, 200) << role.body.dump();
  EXPECT_EQ(role.body["data"]["orphan"], true);
  EXPECT_EQ(role.body["data"]["renewable"], false);
  EXPECT_EQ(role.body["data"]["token_num_uses"], 4);
  Reply bad = Post("auth/token/roles/ci", {{"orphan", "maybe"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Error(),
            "error converting input maybe for field \"orphan\": cannot parse '' as bool: strconv.ParseBool: "
            "parsing \"maybe\": invalid syntax");
}

TEST_F(FieldsOverHttp, KvV2ConfigCasAndVersions) {
  ASSERT_EQ(Post("secret/config", {{"max_versions", "2"}, {"cas_required", "true"}}).status, 204);
  Reply config = Get("secret/config");
  EXPECT_EQ(config.body["data"]["max_versions"], 2);
  EXPECT_EQ(config.body["data"]["cas_required"], true);
  Reply first = Post("secret/data/app", {{"data", {{"k", "v1"}}}, {"options", {{"cas", "0"}}}});
  ASSERT_EQ(first.status, 200) << first.body.dump();
  Reply second = Post("secret/data/app", {{"data", {{"k", "v2"}}}, {"options", {{"cas", "1"}}}});
  ASSERT_EQ(second.status, 200) << second.body.dump();
  Reply stale = Post("secret/data/app", {{"data", {{"k", "v3"}}}, {"options", {{"cas", "1"}}}});
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(stale.Error(), "check-and-set parameter did not match the current version");
  Reply garbage = Post("secret/data/app", {{"data", {{"k", "v3"}}}, {"options", {{"cas", "one"}}}});
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.Error(), "error parsing check-and-set parameter");
  ASSERT_EQ(Post("secret/delete/app", {{"versions", "1,2"}}).status, 204);
  Reply meta = Get("secret/metadata/app");
  EXPECT_NE(meta.body["data"]["versions"]["2"]["deletion_time"], "");
  Reply bad = Post("secret/destroy/app", {{"versions", "2,x"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Error(),
            "error converting input 2,x for field \"versions\": 1 error(s) decoding:\n\n"
            "* cannot parse '[1]' as int: strconv.ParseInt: parsing \"x\": invalid syntax");
  Reply bad_config = Post("secret/config", {{"max_versions", "lots"}});
  EXPECT_EQ(bad_config.status, 400);
}

TEST_F(FieldsOverHttp, KvV2DataIsNeverConverted) {
  Reply w = Post("secret/data/typed", {{"data", {{"max_versions", "lots"}, {"renewable", "yes"}}}});
  ASSERT_EQ(w.status, 200) << w.body.dump();
  Reply r = Get("secret/data/typed");
  EXPECT_EQ(r.body["data"]["data"]["max_versions"], "lots");
}

TEST_F(FieldsOverHttp, AuthMethodsTakeStringsForTheirTypedFields) {
  ASSERT_EQ(Post("sys/auth/userpass", {{"type", "userpass"}}).status, 204);
  Reply user = Post("auth/userpass/users/bob",
                    {{"password", "pw"}, {"token_num_uses", "5"}, {"token_no_default_policy", "1"}});
  ASSERT_EQ(user.status, 204) << user.body.dump();
  Reply read = Get("auth/userpass/users/bob");
  EXPECT_EQ(read.body["data"]["token_num_uses"], 5);
  EXPECT_EQ(read.body["data"]["token_no_default_policy"], true);

  ASSERT_EQ(Post("sys/auth/approle", {{"type", "approle"}}).status, 204);
  Reply role = Post("auth/approle/role/app",
                    {{"bind_secret_id", "true"}, {"secret_id_num_uses", "3"}, {"token_policies", "p1"}});
  ASSERT_EQ(role.status, 204) << role.body.dump();
  EXPECT_EQ(Get("auth/approle/role/app").body["data"]["secret_id_num_uses"], 3);
  Reply secret = Post("auth/approle/role/app/secret-id", {{"num_uses", "2"}});
  EXPECT_EQ(secret.status, 200) << secret.body.dump();

  ASSERT_EQ(Post("sys/auth/kubernetes", {{"type", "kubernetes"}}).status, 204);
  Reply k8s = Post("auth/kubernetes/config",
                   {{"kubernetes_host", "https://127.0.0.1:1"}, {"disable_local_ca_jwt", "true"}});
  ASSERT_EQ(k8s.status, 204) << k8s.body.dump();
  EXPECT_EQ(Get("auth/kubernetes/config").body["data"]["disable_local_ca_jwt"], true);
}

TEST_F(FieldsOverHttp, JwtNamespaceInStateIsABoolNotAnInternalError) {
  ASSERT_EQ(Post("sys/auth/jwt", {{"type", "jwt"}}).status, 204);
  const std::string pem =
      "-----BEGIN PUBLIC KEY-----\n"
      "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
      "-----END PUBLIC KEY-----\n";
  Reply bad = Post("auth/jwt/config",
                   {{"jwt_validation_pubkeys", json::array({pem})}, {"namespace_in_state", "nah"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Error(),
            "error converting input nah for field \"namespace_in_state\": cannot parse '' as bool: "
            "strconv.ParseBool: parsing \"nah\": invalid syntax");
  Reply ok = Post("auth/jwt/config",
                  {{"jwt_validation_pubkeys", json::array({pem})}, {"namespace_in_state", "false"}});
  ASSERT_EQ(ok.status, 204) << ok.body.dump();
  EXPECT_EQ(Get("auth/jwt/config").body["data"]["namespace_in_state"], false);
}

TEST_F(FieldsOverHttp, SysMountsAuditAndIdentity) {
  ASSERT_EQ(Post("sys/mounts/kvl", {{"type", "kv"}, {"local", "true"}}).status, 204);
  Reply mounts = Get("sys/mounts");
  EXPECT_EQ(mounts.body["data"]["kvl/"]["local"], true);
  Reply entity = Post("identity/entity", {{"name", "e1"}, {"disabled", "true"}});
  ASSERT_EQ(entity.status, 200) << entity.body.dump();
  EXPECT_EQ(Get("identity/entity/name/e1").body["data"]["disabled"], true);
  Reply bad = Post("identity/entity", {{"name", "e2"}, {"disabled", "sometimes"}});
  EXPECT_EQ(bad.status, 400);
}

TEST_F(FieldsOverHttp, WrapTakesAnyData) {
  Reply wrapped = Raw({.method = "POST",
                       .target = "/v1/sys/wrapping/wrap",
                       .token = "root",
                       .body = json({{"local", "whatever"}, {"token", 5}}).dump(),
                       .wrap_ttl = "60",
                       .remote_address = "127.0.0.1"});
  ASSERT_EQ(wrapped.status, 200) << wrapped.body.dump();
  Reply unwrapped = Post("sys/wrapping/unwrap", {{"token", wrapped.body["wrap_info"]["token"]}});
  ASSERT_EQ(unwrapped.status, 200) << unwrapped.body.dump();
  EXPECT_EQ(unwrapped.body["data"]["local"], "whatever");
  EXPECT_EQ(unwrapped.body["data"]["token"], 5);
}

TEST_F(FieldsOverHttp, InitAndUnsealAreStrictlyTypedAsVaultsHttpHandlers) {
  Reply unseal = Post("sys/unseal", {{"reset", "true"}});
  EXPECT_EQ(unseal.status, 400);
  EXPECT_EQ(unseal.Error(),
            "json: cannot unmarshal string into Go struct field UnsealRequest.reset of type bool");
  Reply key = Post("sys/unseal", {{"key", 12}});
  EXPECT_EQ(key.status, 400);
  EXPECT_EQ(key.Error(),
            "json: cannot unmarshal number 12 into Go struct field UnsealRequest.key of type string");
}

}  // namespace
}  // namespace polcheck::runtime
