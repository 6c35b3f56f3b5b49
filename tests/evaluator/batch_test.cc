#include "evaluator/batch.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace polcheck::evaluator {
namespace {

using json = nlohmann::json;

json Answer(BatchEvaluator& batch, const json& in) { return json::parse(batch.ProcessLine(in.dump())); }

const char* kPolicy = R"(path "secret/data/*" {
  capabilities = ["read", "update"]
  allowed_parameters = { "ttl" = ["1h"] }
}
path "secret/data/admin" { capabilities = ["deny"] }
)";

TEST(Batch, AnswersOneLine) {
  BatchEvaluator batch;
  const json out = Answer(batch, {{"id", 7}, {"policies", {kPolicy}}, {"path", "secret/data/app"}, {"operation", "read"}});
  EXPECT_EQ(out["id"], 7);
  EXPECT_EQ(out["allowed"], true);
  EXPECT_EQ(out["root_privs"], false);
  EXPECT_EQ(out["capabilities"], json({"read", "update"}));
  EXPECT_EQ(out["error"], "");
  EXPECT_EQ(out["decided_by"]["policy"], "p0");
  EXPECT_EQ(out["decided_by"]["pattern"], "secret/data/*");
  EXPECT_EQ(out["decided_by"]["file"], "p0");
  EXPECT_EQ(out["decided_by"]["line"], 1);
  EXPECT_EQ(out["granting_policies"], json({"p0"}));
}

TEST(Batch, NamesParamsAndDeny) {
  BatchEvaluator batch;
  json in = {{"id", "a"}, {"policies", {kPolicy}}, {"names", {"kv"}}, {"path", "secret/data/app"},
             {"operation", "update"}, {"params", {{"ttl", "2h"}}}};
  json out = Answer(batch, in);
  EXPECT_EQ(out["allowed"], false);
  EXPECT_EQ(out["reason"], "parameter-value-not-allowed");
  EXPECT_EQ(out["decided_by"]["policy"], "kv");
  in["params"] = {{"ttl", "1h"}};
  EXPECT_EQ(Answer(batch, in)["allowed"], true);
  in["params"] = {{"ttl", 1}};  // a JSON number never equals a policy value
  EXPECT_EQ(Answer(batch, in)["allowed"], false);
  in["path"] = "secret/data/admin";
  in.erase("params");
  out = Answer(batch, in);
  EXPECT_EQ(out["allowed"], false);
  EXPECT_EQ(out["capabilities"], json({"deny"}));
  EXPECT_EQ(out["decided_by"]["line"], 5);
}

TEST(Batch, RootEntityWrapAndTarget) {
  BatchEvaluator batch;
  EXPECT_EQ(Answer(batch, {{"root", true}, {"path", "sys/seal"}, {"operation", "update"}})["capabilities"],
            json({"root"}));
  const json templated = {
      {"policies", {R"(path "kv/{{identity.entity.name}}/*" { capabilities = ["read"] })"}},
      {"entity", {{"id", "e1"}, {"name", "alice"}, {"aliases", json::array()}, {"groups", json::array()}}},
      {"path", "kv/alice/x"},
      {"operation", "read"}};
  EXPECT_EQ(Answer(batch, templated)["allowed"], true);
  json wrapped = {{"policies", {R"(path "w" { capabilities = ["read"]
  max_wrapping_ttl = "5m" })"}},
                  {"path", "w"},
                  {"operation", "read"}};
  EXPECT_EQ(Answer(batch, wrapped)["allowed"], false);
  wrapped["wrap_ttl"] = "4m";
  EXPECT_EQ(Answer(batch, wrapped)["allowed"], true);
  wrapped["wrap_ttl"] = 301;
  EXPECT_EQ(Answer(batch, wrapped)["allowed"], false);
  const json scan = {{"policies", {R"(path "a/*" { capabilities = ["scan"] })"}}, {"path", "a/"},
                     {"operation", "scan"}, {"target", "openbao"}};
  EXPECT_EQ(Answer(batch, scan)["allowed"], true);
}

TEST(Batch, MalformedLinesGetAnError) {
  BatchEvaluator batch;
  auto error_of = [&](std::string_view line) {
    const json out = json::parse(batch.ProcessLine(line));
    EXPECT_EQ(out["allowed"], false);
    EXPECT_EQ(out["capabilities"], json::array());
    return out["error"].get<std::string>();
  };
  EXPECT_EQ(error_of("{not json"), "invalid JSON input line");
  EXPECT_EQ(error_of("[1,2]"), "input line must be a JSON object");
  EXPECT_EQ(error_of(R"({"id":1,"operation":"read"})"), "path must be a string");
  EXPECT_EQ(error_of(R"({"path":"a","operation":"fly"})"), "unknown operation \"fly\"");
  EXPECT_EQ(error_of(R"({"path":"a","operation":"read","target":"consul"})"),
            "target must be one of vault, vault-legacy, openbao");
  EXPECT_EQ(error_of(R"({"path":"a","operation":"read","policies":["a"],"names":["x","y"]})"),
            "names must be parallel to policies");
  EXPECT_EQ(error_of(R"({"path":"a","operation":"read","wrap_ttl":"soon"})"),
            "wrap TTL \"soon\" is not seconds or a duration");
  EXPECT_EQ(error_of(R"({"path":"a","operation":"read","params":[1]})"), "params must be a JSON object");
  const std::string parse = error_of(R"({"path":"a","operation":"read","policies":["path \"a\" { capabilities = [\"fly\"] }"]})");
  EXPECT_NE(parse.find("policy \"p0\" does not parse: "), std::string::npos) << parse;
  EXPECT_NE(parse.find("invalid capability"), std::string::npos) << parse;
  const json id = json::parse(batch.ProcessLine(R"({"id":{"k":[1]},"path":"a"})"));
  EXPECT_EQ(id["id"], json({{"k", {1}}}));
}

TEST(Batch, RunStreamsEveryLineInOrder) {
  BatchEvaluator batch;
  std::istringstream in(
      "{\"id\":1,\"path\":\"a\",\"operation\":\"read\",\"policies\":[\"path \\\"a\\\" { capabilities = [\\\"read\\\"] }\"]}\n"
      "garbage\r\n"
      "\n"
      "{\"id\":3,\"path\":\"b\",\"operation\":\"read\",\"policies\":[\"path \\\"a\\\" { capabilities = [\\\"read\\\"] }\"]}\n");
  std::ostringstream out;
  EXPECT_EQ(batch.Run(in, out), 4u);
  std::istringstream lines(out.str());
  std::string line;
  std::vector<json> answers;
  while (std::getline(lines, line)) {
    answers.push_back(json::parse(line));
  }
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0]["allowed"], true);
  EXPECT_NE(answers[1]["error"], "");
  EXPECT_NE(answers[2]["error"], "");
  EXPECT_EQ(answers[3]["id"], 3);
  EXPECT_EQ(answers[3]["allowed"], false);
}

TEST(Batch, OutputIsValidJsonForAnyNameOrId) {
  BatchEvaluator batch;
  const json out = Answer(batch, {{"id", "q\"\\\n\u0001"},
                                  {"policies", {R"(path "a" { capabilities = ["read"] })"}},
                                  {"names", {"we\"ird\tname\u00e9"}},
                                  {"path", "a"},
                                  {"operation", "read"}});
  EXPECT_EQ(out["id"], "q\"\\\n\u0001");
  EXPECT_EQ(out["decided_by"]["policy"], "we\"ird\tname\u00e9");
  EXPECT_EQ(out["granting_policies"], json({"we\"ird\tname\u00e9"}));
}

TEST(Batch, ExplainField) {
  BatchEvaluator batch;
  const json out = Answer(batch, {{"policies", {kPolicy}}, {"path", "secret/data/admin"}, {"operation", "read"},
                                  {"explain", true}});
  const std::string text = out["explanation"].get<std::string>();
  EXPECT_NE(text.find("refused: rule \"secret/data/admin\" is deny"), std::string::npos) << text;
  EXPECT_NE(text.find("not consulted: an exact rule decided"), std::string::npos) << text;
}

TEST(RequestPieces, KeyValueParamsRepeatIntoLists) {
  Expected<Params> p = ParseKeyValueParams({"a=1", "b=x=y", "a=2"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("a"), parser::Value::MakeList({parser::Value::String("1"), parser::Value::String("2")}));
  EXPECT_EQ(p->at("b"), parser::Value::String("x=y"));
  EXPECT_EQ(ParseKeyValueParams({"a="}).value().at("a"), parser::Value::String(""));
  EXPECT_EQ(ParseKeyValueParams({"novalue"}).error().message, "parameter \"novalue\" is not NAME=VALUE");
  EXPECT_EQ(ParseKeyValueParams({"a=1", "=v"}).error().message,
            "parameter \"=v\" has an empty name (expected NAME=VALUE)");
}

TEST(RequestPieces, WrapTtlAndIdentity) {
  EXPECT_EQ(ParseWrapTtl("300").value(), std::chrono::seconds(300));
  EXPECT_EQ(ParseWrapTtl("1h").value(), std::chrono::hours(1));
  EXPECT_FALSE(ParseWrapTtl("-5s"));
  EXPECT_FALSE(ParseWrapTtl(""));
  Expected<Identity> who = ParseIdentityJson(
      R"({"id":"e","name":"n","metadata":{"k":"v"},"aliases":[{"id":"a","name":"an","mount_accessor":"acc",
          "metadata":{"m":"1"},"custom_metadata":{"c":"2"}}],"groups":[{"id":"g","name":"gn","metadata":{}}]})");
  ASSERT_TRUE(who);
  EXPECT_EQ(who->entity->aliases.at(0).custom_metadata.at("c"), "2");
  EXPECT_EQ(who->groups.at(0).name, "gn");
  EXPECT_FALSE(ParseIdentityJson(R"({"metadata":{"k":1}})"));
}

}  // namespace
}  // namespace polcheck::evaluator
