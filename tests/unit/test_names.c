/* wire/names: every enum word round-trips; cell ids build and split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "wire/names.h"

static void words_round_trip(void **state)
{
    (void)state;
    for (int v = 1; v <= 5; v++) {
        Cellscan__V1__EvidenceStatus e;
        assert_int_equal(cs_evidence_status_parse(cs_evidence_status_name(v), &e), 0);
        assert_int_equal(e, v);
    }
    for (int v = 1; v <= 4; v++) {
        Cellscan__V1__CellStatus c;
        Cellscan__V1__ScanStatus s;
        assert_int_equal(cs_cell_status_parse(cs_cell_status_name(v), &c), 0);
        assert_int_equal(c, v);
        assert_int_equal(cs_scan_status_parse(cs_scan_status_name(v), &s), 0);
        assert_int_equal(s, v);
    }
    for (int v = 1; v <= 3; v++) {
        Cellscan__V1__ViolationKind k;
        assert_int_equal(cs_violation_kind_parse(cs_violation_kind_name(v), &k), 0);
        assert_int_equal(k, v);
    }
    assert_string_equal(cs_evidence_status_name(CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS),
                        "unavailable_no_access");
    assert_string_equal(cs_violation_kind_name(CELLSCAN__V1__VIOLATION_KIND__WRONG_KEY_CASE),
                        "wrong_key_case");
    assert_string_equal(cs_scan_status_name(0), "unspecified");
    Cellscan__V1__ScanStatus s;
    assert_int_equal(cs_scan_status_parse("great", &s), -1);
}

static void cell_ids(void **state)
{
    char id[64], cat[32], acc[32];
    (void)state;
    assert_string_equal(cs_cell_id("ec2", "111111111111", id, sizeof(id)),
                        "aws_ec2:111111111111");
    assert_int_equal(cs_cell_id_split(id, cat, sizeof(cat), acc, sizeof(acc)), 0);
    assert_string_equal(cat, "ec2");
    assert_string_equal(acc, "111111111111");
    assert_int_equal(cs_cell_id_split("ec2:1", cat, sizeof(cat), acc, sizeof(acc)), -1);
    assert_int_equal(cs_cell_id_split("aws_:1", cat, sizeof(cat), acc, sizeof(acc)), -1);
    assert_int_equal(cs_cell_id_split("aws_ec2:", cat, sizeof(cat), acc, sizeof(acc)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words_round_trip),
        cmocka_unit_test(cell_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
