/* Topic and consumer group names under CELLSCAN_TOPIC_PREFIX, and the
 * parsing of a topic given on the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bus/topics.h"

static void default_prefix_names(void **state)
{
    static const char *const want[CS_TOPIC_COUNT] = {
        "cellscan.scan-requests", "cellscan.cell-jobs", "cellscan.cell-results",
        "cellscan.scan-results", "cellscan.dead-letters",
    };
    char name[CS_TOPIC_NAME_MAX + 1];
    (void)state;

    for (int i = 0; i < CS_TOPIC_COUNT; i++) {
        assert_int_equal(cs_topic_name("cellscan.", (enum cs_topic)i, name,
                                       sizeof(name), NULL), CS_OK);
        assert_string_equal(name, want[i]);
    }
    assert_int_equal(cs_group_name("cellscan.", CS_GROUP_DISPATCHER, name,
                                   sizeof(name), NULL), CS_OK);
    assert_string_equal(name, "cellscan.dispatcher");
    assert_int_equal(cs_group_name("cellscan.", CS_GROUP_WORKERS, name,
                                   sizeof(name), NULL), CS_OK);
    assert_string_equal(name, "cellscan.workers");
    assert_int_equal(cs_group_name("cellscan.", CS_GROUP_AGGREGATOR, name,
                                   sizeof(name), NULL), CS_OK);
    assert_string_equal(name, "cellscan.aggregator");
}

static void other_prefixes(void **state)
{
    char name[CS_TOPIC_NAME_MAX + 1];
    (void)state;

    assert_int_equal(cs_topic_name("staging-", CS_TOPIC_CELL_JOBS, name,
                                   sizeof(name), NULL), CS_OK);
    assert_string_equal(name, "staging-cell-jobs");
    assert_int_equal(cs_topic_name("", CS_TOPIC_DEAD_LETTERS, name,
                                   sizeof(name), NULL), CS_OK);
    assert_string_equal(name, "dead-letters");
}

static void limits_and_bad_values(void **state)
{
    char prefix[300];
    char small[8];
    char name[CS_TOPIC_NAME_MAX + 1];
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    memset(prefix, 'p', sizeof(prefix) - 1);
    prefix[sizeof(prefix) - 1] = '\0';
    assert_int_equal(cs_topic_name(prefix, CS_TOPIC_CELL_JOBS, name,
                                   sizeof(name), &err), CS_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "longer than 249"));
    assert_int_equal(cs_topic_name("cellscan.", CS_TOPIC_CELL_JOBS, small,
                                   sizeof(small), NULL), CS_ERR_LIMIT);
    assert_int_equal(cs_topic_name("x", CS_TOPIC_COUNT, name, sizeof(name),
                                   &err), CS_ERR_INVALID);
    assert_int_equal(cs_group_name("x", CS_GROUP_COUNT, name, sizeof(name),
                                   &err), CS_ERR_INVALID);
    assert_null(cs_topic_suffix(CS_TOPIC_COUNT));
    assert_null(cs_group_suffix(CS_GROUP_COUNT));
}

static void parse(void **state)
{
    enum cs_topic t;
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_int_equal(cs_topic_parse("cellscan.", "cell-results", &t, NULL), CS_OK);
    assert_int_equal(t, CS_TOPIC_CELL_RESULTS);
    assert_int_equal(cs_topic_parse("cellscan.", "cellscan.scan-requests", &t,
                                    NULL), CS_OK);
    assert_int_equal(t, CS_TOPIC_SCAN_REQUESTS);
    assert_int_equal(cs_topic_parse("prod.", "prod.dead-letters", &t, NULL),
                     CS_OK);
    assert_int_equal(t, CS_TOPIC_DEAD_LETTERS);
    /* a full name under another prefix is not ours */
    assert_int_equal(cs_topic_parse("prod.", "cellscan.cell-jobs", &t, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "unknown topic \"cellscan.cell-jobs\""));
    assert_int_equal(cs_topic_parse("cellscan.", "jobs", &t, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "scan-requests, cell-jobs"));
}

static void fleet_specs(void **state)
{
    struct cs_topic_spec specs[CS_TOPIC_COUNT];
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_int_equal(cs_topic_specs_fleet("t.", 6, 1, specs, NULL), CS_OK);
    assert_string_equal(specs[CS_TOPIC_SCAN_REQUESTS].name, "t.scan-requests");
    assert_string_equal(specs[CS_TOPIC_DEAD_LETTERS].name, "t.dead-letters");
    for (int i = 0; i < CS_TOPIC_COUNT; i++) {
        assert_int_equal(specs[i].partitions, 6);
        assert_int_equal(specs[i].replication, 1);
    }
    assert_int_equal(cs_topic_specs_fleet("t.", 0, 1, specs, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "at least 1 partition"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_prefix_names),
        cmocka_unit_test(other_prefixes),
        cmocka_unit_test(limits_and_bad_values),
        cmocka_unit_test(parse),
        cmocka_unit_test(fleet_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
