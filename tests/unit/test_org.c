/* org: Organizations pages from bytes to items (ids checked against the
 * forms AWS documents, NextToken, malformed answers) and the id forms
 * exclusions are checked against. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "org/page.h"

#define LIT(s) s, sizeof(s) - 1

struct seen {
    char text[1024];
};

static cs_rc on_item(void *ud, const struct cs_org_item *it, struct cs_err *err)
{
    struct seen *s = ud;
    size_t n = strlen(s->text);

    (void)err;
    snprintf(s->text + n, sizeof(s->text) - n, "%s/%s/%s;", it->id, it->name, it->status);
    return CS_OK;
}

static void id_forms(void **state)
{
    (void)state;
    assert_true(cs_org_is_root_id("r-ab12"));
    assert_true(cs_org_is_root_id("r-demo"));
    assert_false(cs_org_is_root_id("r-abc"));
    assert_false(cs_org_is_root_id("r-AB12"));
    assert_false(cs_org_is_root_id("ou-ab12-abcdefgh"));
    assert_true(cs_org_is_ou_id("ou-ab12-abcdefgh"));
    assert_true(cs_org_is_ou_id("ou-demo-0123abcd"));
    assert_false(cs_org_is_ou_id("ou-ab12-abcdefg"));   /* 7 after the dash */
    assert_false(cs_org_is_ou_id("ou-ab1-abcdefgh"));   /* 3 before */
    assert_false(cs_org_is_ou_id("ou-ab12-abcdefgh-x"));
    assert_false(cs_org_is_ou_id("ou-ab12abcdefgh"));
    assert_false(cs_org_is_ou_id("Workloads/Prod"));
    assert_false(cs_org_is_ou_id(NULL));
    assert_true(cs_org_is_account_id("123456789012"));
    assert_false(cs_org_is_account_id("12345678901"));
    assert_false(cs_org_is_account_id("12345678901a"));
    assert_false(cs_org_is_account_id(NULL));
}

static void pages(void **state)
{
    char next[CS_ORG_TOKEN_MAX];
    struct cs_err err = CS_ERR_INIT;
    struct seen s;

    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(cs_org_page_parse(CS_ORG_PAGE_ROOTS,
                                       LIT("{\"Roots\":[{\"Id\":\"r-ab12\",\"Name\":\"Root\"}]}"),
                                       on_item, &s, next, sizeof(next), &err), CS_OK);
    assert_string_equal(s.text, "r-ab12/Root/;");
    assert_string_equal(next, "");
    memset(&s, 0, sizeof(s));
    assert_int_equal(cs_org_page_parse(CS_ORG_PAGE_ACCOUNTS,
                                       LIT("{\"Accounts\":[{\"Id\":\"111111111111\",\"Name\":\"a\","
                                           "\"Status\":\"ACTIVE\"},{\"Id\":\"222222222222\","
                                           "\"Status\":\"SUSPENDED\"}],\"NextToken\":\"n2\"}"),
                                       on_item, &s, next, sizeof(next), &err), CS_OK);
    assert_string_equal(s.text, "111111111111/a/ACTIVE;222222222222//SUSPENDED;");
    assert_string_equal(next, "n2");
    memset(&s, 0, sizeof(s));
    assert_int_equal(cs_org_page_parse(CS_ORG_PAGE_OUS, LIT("{\"OrganizationalUnits\":[]}"),
                                       on_item, &s, next, sizeof(next), &err), CS_OK);
    assert_string_equal(s.text, "");
}

static void malformed_pages(void **state)
{
    static const struct {
        enum cs_org_page k;
        const char *body;
        cs_rc rc;
    } cases[] = {
        {CS_ORG_PAGE_ROOTS, "", CS_ERR_PARSE},
        {CS_ORG_PAGE_ROOTS, "{\"Roots\":{}}", CS_ERR_PARSE},
        {CS_ORG_PAGE_ROOTS, "{\"Roots\":[\"r-ab12\"]}", CS_ERR_PARSE},
        {CS_ORG_PAGE_ROOTS, "{\"Roots\":[{\"Id\":\"ou-ab12-abcdefgh\"}]}", CS_ERR_PARSE},
        {CS_ORG_PAGE_OUS, "{\"OrganizationalUnits\":[{\"Id\":7}]}", CS_ERR_PARSE},
        {CS_ORG_PAGE_ACCOUNTS, "{\"Accounts\":[{\"Id\":\"12\"}]}", CS_ERR_PARSE},
        {CS_ORG_PAGE_ACCOUNTS, "{\"Accounts\":[{\"Id\":\"111111111111\",\"Status\":1}]}", CS_ERR_PARSE},
        {CS_ORG_PAGE_ACCOUNTS, "{\"NextToken\":[]}", CS_ERR_PARSE},
    };
    char next[CS_ORG_TOKEN_MAX];
    struct cs_err err = CS_ERR_INIT;
    struct seen s;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cs_rc rc = cs_org_page_parse(cases[i].k, cases[i].body, strlen(cases[i].body), on_item,
                                     &s, next, sizeof(next), &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): %s", i, cases[i].body, cs_rc_name(rc));
    }
    assert_int_equal(cs_org_page_parse(CS_ORG_PAGE_ACCOUNTS, LIT("{\"NextToken\":\"abcdef\"}"),
                                       on_item, &s, next, 4, &err), CS_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_forms),
        cmocka_unit_test(pages),
        cmocka_unit_test(malformed_pages),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
