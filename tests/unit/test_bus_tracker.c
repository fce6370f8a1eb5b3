/* The contiguous commit tracker: a partition's commit point is the lowest
 * running offset (or last started + 1), whatever order jobs finish in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bus/tracker.h"

static int64_t point(cs_tracker_t *t, int32_t p)
{
    int64_t next = -1;

    if (!cs_tracker_commit_point(t, p, &next))
        return -1;
    return next;
}

static void documented_example(void **state)
{
    cs_tracker_t *t = cs_tracker_new(8, NULL);
    (void)state;

    assert_non_null(t);
    assert_int_equal(cs_tracker_start(t, 0, 5, NULL), CS_OK);
    assert_int_equal(cs_tracker_start(t, 0, 6, NULL), CS_OK);
    assert_int_equal(cs_tracker_start(t, 0, 7, NULL), CS_OK);
    assert_int_equal(point(t, 0), -1);
    assert_int_equal(cs_tracker_done(t, 0, 6, NULL), CS_OK);
    assert_int_equal(point(t, 0), -1);
    assert_int_equal(cs_tracker_inflight(t, 0), 2);
    assert_int_equal(cs_tracker_done(t, 0, 5, NULL), CS_OK);
    assert_int_equal(point(t, 0), 7);
    cs_tracker_committed(t, 0, 7);
    assert_int_equal(point(t, 0), -1); /* nothing new */
    assert_int_equal(cs_tracker_done(t, 0, 7, NULL), CS_OK);
    assert_int_equal(point(t, 0), 8);
    assert_int_equal(cs_tracker_inflight(t, 0), 0);
    cs_tracker_destroy(t);
}

static void gaps_are_covered(void **state)
{
    cs_tracker_t *t = cs_tracker_new(8, NULL);
    (void)state;

    /* offsets 11..19 were transaction markers or compacted away */
    assert_int_equal(cs_tracker_start(t, 3, 10, NULL), CS_OK);
    assert_int_equal(cs_tracker_start(t, 3, 20, NULL), CS_OK);
    assert_int_equal(cs_tracker_done(t, 3, 10, NULL), CS_OK);
    assert_int_equal(point(t, 3), 11);
    assert_int_equal(cs_tracker_done(t, 3, 20, NULL), CS_OK);
    assert_int_equal(point(t, 3), 21);
    cs_tracker_destroy(t);
}

static void partitions_are_independent(void **state)
{
    cs_tracker_t *t = cs_tracker_new(4, NULL);
    (void)state;

    assert_int_equal(cs_tracker_start(t, 0, 100, NULL), CS_OK);
    assert_int_equal(cs_tracker_start(t, 1, 5, NULL), CS_OK);
    assert_int_equal(cs_tracker_done(t, 1, 5, NULL), CS_OK);
    assert_int_equal(point(t, 1), 6);
    assert_int_equal(point(t, 0), -1);
    assert_int_equal(point(t, 2), -1);
    /* finishing an offset of another partition is an error */
    assert_int_equal(cs_tracker_done(t, 1, 100, NULL), CS_ERR_NOTFOUND);
    cs_tracker_destroy(t);
}

static void errors(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_tracker_t *t = cs_tracker_new(2, NULL);
    (void)state;

    assert_null(cs_tracker_new(0, &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    assert_int_equal(cs_tracker_start(t, 0, -1, &err), CS_ERR_INVALID);
    assert_int_equal(cs_tracker_start(t, 0, 4, NULL), CS_OK);
    assert_int_equal(cs_tracker_start(t, 0, 4, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "offset 4 started after 4"));
    assert_int_equal(cs_tracker_start(t, 0, 3, &err), CS_ERR_INVALID);
    assert_int_equal(cs_tracker_start(t, 0, 5, NULL), CS_OK);
    /* the window (2) is full while 4 runs, even with 5 done */
    assert_int_equal(cs_tracker_done(t, 0, 5, NULL), CS_OK);
    assert_int_equal(cs_tracker_start(t, 0, 6, &err), CS_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "offset 4 still running"));
    assert_int_equal(cs_tracker_done(t, 0, 5, &err), CS_ERR_NOTFOUND);
    assert_int_equal(cs_tracker_done(t, 0, 4, NULL), CS_OK);
    assert_int_equal(point(t, 0), 6);
    assert_int_equal(cs_tracker_start(t, 0, 6, NULL), CS_OK);
    assert_int_equal(cs_tracker_done(t, 9, 1, &err), CS_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "partition 9: offset 1 is not running"));
    cs_tracker_destroy(t);
    cs_tracker_destroy(NULL);
}

static void forget_after_revoke(void **state)
{
    cs_tracker_t *t = cs_tracker_new(4, NULL);
    (void)state;

    assert_int_equal(cs_tracker_start(t, 0, 50, NULL), CS_OK);
    assert_int_equal(cs_tracker_start(t, 0, 51, NULL), CS_OK);
    cs_tracker_forget(t, 0);
    assert_int_equal(cs_tracker_inflight(t, 0), 0);
    assert_int_equal(point(t, 0), -1);
    /* redelivered from the committed offset after reassignment */
    assert_int_equal(cs_tracker_start(t, 0, 40, NULL), CS_OK);
    assert_int_equal(cs_tracker_done(t, 0, 40, NULL), CS_OK);
    assert_int_equal(point(t, 0), 41);
    cs_tracker_destroy(t);
}

/* Many offsets in a large window finishing in a random order: the
 * commit point never passes a running offset, never moves back, and ends
 * at last + 1. */
static void random_orders(void **state)
{
    enum { N = 500 };
    (void)state;

    for (unsigned seed = 1; seed <= 20; seed++) {
        cs_tracker_t *t = cs_tracker_new(N, NULL);
        int64_t order[N];
        unsigned char done[N] = {0};
        int64_t last_point = -1;

        srand(seed);
        for (int i = 0; i < N; i++) {
            assert_int_equal(cs_tracker_start(t, 7, 1000 + 2 * i, NULL), CS_OK);
            order[i] = i;
        }
        for (int i = N - 1; i > 0; i--) {
            int j = rand() % (i + 1);
            int64_t tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int k = 0; k < N; k++) {
            int64_t next;
            int lowest = 0;

            assert_int_equal(cs_tracker_done(t, 7, 1000 + 2 * order[k], NULL),
                             CS_OK);
            done[order[k]] = 1;
            while (lowest < N && done[lowest])
                lowest++;
            if (cs_tracker_commit_point(t, 7, &next)) {
                int64_t want = lowest < N ? 1000 + 2 * lowest
                                          : 1000 + 2 * (N - 1) + 1;
                /* next is just past the last done of the contiguous run */
                assert_true(next > last_point);
                assert_true(lowest > 0);
                assert_int_equal(next, 1000 + 2 * (lowest - 1) + 1);
                assert_true(next <= want);
                cs_tracker_committed(t, 7, next);
                last_point = next;
            } else {
                assert_true(lowest == 0 ||
                            last_point == 1000 + 2 * (lowest - 1) + 1);
            }
        }
        assert_int_equal(last_point, 1000 + 2 * (N - 1) + 1);
        assert_int_equal(cs_tracker_inflight(t, 7), 0);
        cs_tracker_destroy(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(documented_example),
        cmocka_unit_test(gaps_are_covered),
        cmocka_unit_test(partitions_are_independent),
        cmocka_unit_test(errors),
        cmocka_unit_test(forget_after_revoke),
        cmocka_unit_test(random_orders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
