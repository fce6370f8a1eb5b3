/* aws/xml: the streaming matcher finds registered paths (wildcards, nested
 * matches, text of leaves only), refuses DOCTYPE and entity tricks, reports
 * malformed and truncated input with a line number, honours the caps, and
 * gives the same answer however the input is split into chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "aws/xml.h"

struct rec {
    char log[4096];
    int stop_at; /* stop the parse at this event number (0 = never) */
    int n;
};

static cs_rc on_ev(void *ud, int id, enum cs_xml_event ev, const char *text,
                   size_t len, struct cs_err *err)
{
    struct rec *r = ud;
    size_t used = strlen(r->log);

    if (++r->n == r->stop_at)
        return cs_err_set(err, CS_ERR_INVALID, "stop here");
    snprintf(r->log + used, sizeof(r->log) - used, "%s%d%s%.*s",
             used ? " " : "", id,
             ev == CS_XML_START ? "<" : ev == CS_XML_END ? ">" : "=",
             (int)len, text ? text : "");
    return CS_OK;
}

static const char ec2_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>r-1</requestId><reservationSet>"
    "<item><reservationId>r-a</reservationId><instancesSet>"
    "<item><instanceId>i-1</instanceId><tagSet>"
    "<item><key>Owner</key><value>a &amp; b</value></item>"
    "<item><key>Env</key><value/></item></tagSet></item>"
    "<item><instanceId>i-2</instanceId></item>"
    "</instancesSet></item></reservationSet>"
    "<nextToken>tok&lt;1&gt;</nextToken></DescribeInstancesResponse>";

enum { INST = 1, IID, KEY, VAL, NEXT };

static const struct cs_xml_rule ec2_rules[] = {
    {"*/reservationSet/item/instancesSet/item", INST, CS_XML_START | CS_XML_END},
    {"*/reservationSet/item/instancesSet/item/instanceId", IID, CS_XML_TEXT},
    {"*/reservationSet/item/instancesSet/item/tagSet/item/key", KEY, CS_XML_TEXT},
    {"*/reservationSet/item/instancesSet/item/tagSet/item/value", VAL, CS_XML_TEXT},
    {"DescribeInstancesResponse/nextToken", NEXT, CS_XML_TEXT},
};

#define EC2_WANT "1< 2=i-1 3=Owner 4=a & b 3=Env 4= 1> 1< 2=i-2 1> 5=tok<1>"

static void ec2_paths(void **state)
{
    struct rec r = {{0}, 0, 0};
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    assert_int_equal(cs_xml_parse(ec2_rules, 5, on_ev, &r, ec2_doc,
                                  strlen(ec2_doc), &err), CS_OK);
    assert_string_equal(r.log, EC2_WANT);
}

static void chunking_does_not_matter(void **state)
{
    (void)state;
    for (size_t step = 1; step < 40; step += 3) {
        struct rec r = {{0}, 0, 0};
        struct cs_err err = CS_ERR_INIT;
        cs_xml_t *x = cs_xml_new(ec2_rules, 5, on_ev, &r, &err);
        size_t len = strlen(ec2_doc);
        assert_non_null(x);
        for (size_t off = 0; off < len; off += step) {
            size_t n = len - off < step ? len - off : step;
            assert_int_equal(cs_xml_feed(x, ec2_doc + off, n, 0, &err), CS_OK);
        }
        assert_int_equal(cs_xml_feed(x, "", 0, 1, &err), CS_OK);
        assert_string_equal(r.log, EC2_WANT);
        cs_xml_destroy(x);
    }
}

static void refuses_doctype_and_entities(void **state)
{
    static const char *const evil[] = {
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><x>&b;</x>",
        "<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"http://example.com/x.dtd\"><x/>",
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
        "<x>&undefined;</x>",
    };
    static const struct cs_xml_rule rules[] = {{"x", 1, CS_XML_TEXT}};

    (void)state;
    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
        struct rec r = {{0}, 0, 0};
        struct cs_err err = CS_ERR_INIT;
        assert_int_equal(cs_xml_parse(rules, 1, on_ev, &r, evil[i],
                                      strlen(evil[i]), &err), CS_ERR_PARSE);
        assert_string_equal(r.log, "");
        assert_true(err.msg[0] != '\0');
    }
}

static void malformed_and_truncated(void **state)
{
    static const struct cs_xml_rule rules[] = {{"a/b", 1, CS_XML_TEXT}};
    struct rec r = {{0}, 0, 0};
    struct cs_err err = CS_ERR_INIT;
    size_t half = strlen(ec2_doc) / 2;

    (void)state;
    assert_int_equal(cs_xml_parse(rules, 1, on_ev, &r, "<a><b>x</a>", 11, &err),
                     CS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "line 1"));
    assert_int_equal(cs_xml_parse(ec2_rules, 5, on_ev, &r, ec2_doc, half, &err),
                     CS_ERR_PARSE);
    assert_int_equal(cs_xml_parse(rules, 1, on_ev, &r, "", 0, &err), CS_ERR_PARSE);
    assert_int_equal(cs_xml_parse(rules, 1, on_ev, &r, "{\"json\":1}", 10, &err),
                     CS_ERR_PARSE);
}

static void caps(void **state)
{
    static const struct cs_xml_rule rules[] = {{"a", 1, CS_XML_TEXT}};
    char deep[(CS_XML_MAX_DEPTH + 2) * 7 + 1];
    size_t n = 0;
    struct rec r = {{0}, 0, 0};
    struct cs_err err = CS_ERR_INIT;
    static char big[CS_XML_MAX_TEXT + 32];

    (void)state;
    for (int i = 0; i < CS_XML_MAX_DEPTH + 2; i++)
        n += (size_t)sprintf(deep + n, "<a>");
    assert_int_equal(cs_xml_parse(rules, 1, on_ev, &r, deep, n, &err), CS_ERR_LIMIT);
    n = (size_t)sprintf(big, "<a>");
    memset(big + n, 'x', CS_XML_MAX_TEXT + 1);
    n += CS_XML_MAX_TEXT + 1;
    n += (size_t)sprintf(big + n, "</a>");
    assert_int_equal(cs_xml_parse(rules, 1, on_ev, &r, big, n, &err), CS_ERR_LIMIT);
}

static void callback_stops(void **state)
{
    struct rec r = {{0}, 3, 0};
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    assert_int_equal(cs_xml_parse(ec2_rules, 5, on_ev, &r, ec2_doc,
                                  strlen(ec2_doc), &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "stop here");
    assert_string_equal(r.log, "1< 2=i-1");
}

static void bad_rules(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    struct rec r;
    static const struct cs_xml_rule empty_seg[] = {{"a//b", 1, CS_XML_TEXT}};
    static const struct cs_xml_rule trailing[] = {{"a/", 1, CS_XML_TEXT}};

    (void)state;
    assert_null(cs_xml_new(empty_seg, 1, on_ev, &r, &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    assert_null(cs_xml_new(trailing, 1, on_ev, &r, &err));
    assert_null(cs_xml_new(trailing, 1, NULL, &r, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ec2_paths),
        cmocka_unit_test(chunking_does_not_matter),
        cmocka_unit_test(refuses_doctype_and_entities),
        cmocka_unit_test(malformed_and_truncated),
        cmocka_unit_test(caps),
        cmocka_unit_test(callback_stops),
        cmocka_unit_test(bad_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
