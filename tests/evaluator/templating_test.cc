#include "evaluator/templating.h"

#include <gtest/gtest.h>

namespace polcheck::evaluator {
namespace {

Identity Alice() {
  Identity who;
  who.entity = Entity{.id = "e-1",
                      .name = "alice",
                      .metadata = {{"team", "ops"}, {"empty", ""}, {"glob", "a*"}, {"slash", "a/b"}},
                      .aliases = {Alias{.id = "al-1",
                                        .name = "alice@corp",
                                        .mount_accessor = "auth_oidc_1",
                                        .metadata = {{"region", "eu"}},
                                        .custom_metadata = {{"cost", "42"}}}}};
  who.groups = {Group{.id = "g-1", .name = "admins", .metadata = {{"tier", "gold"}}, .namespace_path = ""},
                Group{.id = "g-2", .name = "devs", .metadata = {}, .namespace_path = "ns1/"}};
  return who;
}

std::string Render(std::string_view label, const Identity* who, TemplateOptions options = {}) {
  RenderResult r = RenderTemplate(label, who, options);
  return r.ok ? r.text : "ERROR: " + r.error;
}

TEST(Templating, EntityFields) {
  const Identity who = Alice();
  EXPECT_EQ(Render("secret/{{identity.entity.id}}/*", &who), "secret/e-1/*");
  EXPECT_EQ(Render("secret/{{ identity.entity.name }}", &who), "secret/alice");
  EXPECT_EQ(Render("x/{{identity.entity.metadata.team}}", &who), "x/ops");
  EXPECT_EQ(Render("x/{{identity.entity.metadata.missing}}", &who),
            "ERROR: no value could be found for one of the template directives");
  EXPECT_EQ(Render("x/{{identity.entity.metadata}}", &who),
            "ERROR: no value could be found for one of the template directives");
  EXPECT_EQ(Render("x/{{identity.entity.groups.names}}", &who),
            "ERROR: no value could be found for one of the template directives");
  EXPECT_EQ(Render("plain/path", &who), "plain/path");
}

// Pinned reading: a metadata key that is present but empty renders as "" (the
// map branch of Vault's aclTemplateHandler does not test for emptiness); only
// the plain string fields (id, name) fail when empty.
TEST(Templating, PresentButEmptyMetadataRendersEmpty) {
  const Identity who = Alice();
  EXPECT_EQ(Render("x/{{identity.entity.metadata.empty}}/y", &who), "x//y");
  Identity nameless = who;
  nameless.entity->name.clear();
  EXPECT_EQ(Render("x/{{identity.entity.name}}", &nameless),
            "ERROR: no value could be found for one of the template directives");
}

TEST(Templating, Aliases) {
  const Identity who = Alice();
  EXPECT_EQ(Render("{{identity.entity.aliases.auth_oidc_1.name}}", &who), "alice@corp");
  EXPECT_EQ(Render("{{identity.entity.aliases.auth_oidc_1.id}}", &who), "al-1");
  EXPECT_EQ(Render("{{identity.entity.aliases.auth_oidc_1.metadata.region}}", &who), "eu");
  EXPECT_EQ(Render("{{identity.entity.aliases.auth_oidc_1.custom_metadata.cost}}", &who), "42");
  EXPECT_EQ(Render("{{identity.entity.aliases.auth_other.name}}", &who), "ERROR: alias not found");
  EXPECT_EQ(Render("{{identity.entity.aliases.auth_oidc_1}}", &who), "ERROR: invalid alias selector");
}

TEST(Templating, GroupsByIdAnyNamespaceByNameOnlyPolicyNamespace) {
  const Identity who = Alice();
  EXPECT_EQ(Render("{{identity.groups.ids.g-2.name}}", &who), "devs");
  EXPECT_EQ(Render("{{identity.groups.names.admins.id}}", &who), "g-1");
  EXPECT_EQ(Render("{{identity.groups.names.admins.metadata.tier}}", &who), "gold");
  EXPECT_EQ(Render("{{identity.groups.names.devs.id}}", &who), "ERROR: entity is not a member of group \"devs\"");
  EXPECT_EQ(Render("{{identity.groups.names.devs.id}}", &who, {.policy_namespace = "ns1/"}), "g-2");
  EXPECT_EQ(Render("{{identity.groups.names.admins.metadata.nope}}", &who),
            "ERROR: no value could be found for one of the template directives");
  EXPECT_EQ(Render("{{identity.groups.bogus.x.id}}", &who), "ERROR: invalid groups selector");
  Identity lonely = who;
  lonely.groups.clear();
  EXPECT_EQ(Render("{{identity.groups.ids.g-1.id}}", &lonely),
            "ERROR: string contains groups template directives but no groups were provided");
}

TEST(Templating, NoEntity) {
  EXPECT_EQ(Render("{{identity.entity.id}}", nullptr),
            "ERROR: string contains entity template directives but no entity was provided");
  EXPECT_EQ(Render("{{unknown.selector}}", nullptr),
            "ERROR: no value could be found for one of the template directives");
}

TEST(Templating, TimeNow) {
  const TemplateOptions at{.now_unix = 1000};
  EXPECT_EQ(Render("t/{{time.now}}", nullptr, at), "t/1000");
  EXPECT_EQ(Render("t/{{time.now.plus.1h}}", nullptr, at), "t/4600");
  EXPECT_EQ(Render("t/{{time.now.minus.90}}", nullptr, at), "t/910");
  EXPECT_EQ(Render("t/{{time.now.minus.1500ms}}", nullptr, at), "t/998");
  EXPECT_EQ(Render("t/{{time.now.plus}}", nullptr, at), "ERROR: missing time operand");
  EXPECT_EQ(Render("t/{{time.now.times.1h}}", nullptr, at), "ERROR: invalid time operator \"times\"");
  EXPECT_EQ(Render("t/{{time.later}}", nullptr, at), "ERROR: invalid time selector \"later\"");
}

TEST(Templating, UnbalancedBraces) {
  EXPECT_EQ(Render("x/{{identity.entity.id}}}}", nullptr), "ERROR: unbalanced templating characters");
  EXPECT_EQ(Render("x}}/{{identity.entity.id}}", nullptr), "ERROR: unbalanced templating characters");
  EXPECT_EQ(Render("x/{{identity.entity.id", nullptr), "ERROR: unbalanced templating characters");
}

TEST(Templating, VaultFilterRejectsGlobsAndOptionallySlashes) {
  const Identity who = Alice();
  const TemplateOptions vault{.reject_wildcards = true};
  EXPECT_EQ(Render("x/{{identity.entity.metadata.glob}}", &who, vault),
            "ERROR: globs and wildcards are not allowed in template result");
  EXPECT_EQ(Render("x/{{identity.entity.metadata.slash}}", &who, vault), "x/a/b");
  const TemplateOptions strict{.reject_wildcards = true, .reject_slashes = true};
  EXPECT_EQ(Render("x/{{identity.entity.metadata.slash}}", &who, strict),
            "ERROR: templated policy paths cannot contain '/' when denied via configuration");
  EXPECT_EQ(Render("x/{{identity.entity.metadata.glob}}", &who), "x/a*");  // vault-legacy: spliced raw
}

TEST(Templating, OpenBaoFilterMessages) {
  const Identity who = Alice();
  const TemplateOptions bao{.reject_wildcards = true, .reject_slashes = true, .openbao_messages = true};
  EXPECT_EQ(Render("x/{{identity.entity.metadata.glob}}", &who, bao),
            "ERROR: template substitution contains forbidden value \"*\"");
  EXPECT_EQ(Render("x/{{identity.entity.metadata.slash}}", &who, bao),
            "ERROR: template substitution contains forbidden value \"/\"");
  const TemplateOptions slashes_ok{.reject_wildcards = true, .reject_slashes = false, .openbao_messages = true};
  EXPECT_EQ(Render("x/{{identity.entity.metadata.slash}}", &who, slashes_ok), "x/a/b");
}

}  // namespace
}  // namespace polcheck::evaluator
