/* The worker's admission rules (worker/sched.h): global, per-account and
 * distinct-account limits, FIFO among the jobs that may start, the queue
 * capacity as pause/resume signal, dropping queued jobs, and a random
 * walk checked against a brute-force model of the rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/sched.h"

/* A job in these tests: its account and a number to recognise it. */
struct tjob {
    const char *account;
    int id;
};

static cs_sched_t *sched(int cells, int per_account, int accounts, size_t queue)
{
    struct cs_sched_limits l = {cells, per_account, accounts, queue};
    struct cs_err err = CS_ERR_INIT;
    cs_sched_t *s = cs_sched_new(&l, &err);

    if (s == NULL)
        fail_msg("cs_sched_new: %s", err.msg);
    return s;
}

static void push(cs_sched_t *s, struct tjob *j)
{
    assert_int_equal(cs_sched_push(s, j->account, j, NULL), CS_OK);
}

/* id of the next job started, or -1 when none may start */
static int next_id(cs_sched_t *s)
{
    struct tjob *j = cs_sched_next(s);

    return j ? j->id : -1;
}

static void finish(cs_sched_t *s, const char *account)
{
    assert_int_equal(cs_sched_finish(s, account, NULL), CS_OK);
}

static void limits_are_checked(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    const struct cs_sched_limits bad[] = {
        {0, 2, 5, 4}, {8, 0, 5, 4}, {8, 2, 0, 4}, {8, 2, 5, 0}, {-1, 2, 5, 4}};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(cs_sched_new(&bad[i], &err));
        assert_int_equal(err.code, CS_ERR_INVALID);
    }
    assert_null(cs_sched_new(NULL, &err));
    cs_sched_destroy(NULL);
}

static void global_limit(void **state)
{
    struct tjob a = {"111111111111", 1}, b = {"222222222222", 2},
                c = {"333333333333", 3};
    cs_sched_t *s = sched(2, 8, 20, 16);

    (void)state;
    push(s, &a);
    push(s, &b);
    push(s, &c);
    assert_int_equal(next_id(s), 1);
    assert_int_equal(next_id(s), 2);
    assert_int_equal(next_id(s), -1); /* 2 cells run: the worker is full */
    assert_int_equal(cs_sched_running(s), 2);
    assert_int_equal(cs_sched_queued(s), 1);
    assert_false(cs_sched_may_start(s, "444444444444"));
    finish(s, "111111111111");
    assert_int_equal(next_id(s), 3);
    assert_int_equal(cs_sched_accounts(s), 2);
    cs_sched_destroy(s);
}

static void per_account_limit_lets_others_pass(void **state)
{
    struct tjob a1 = {"111111111111", 1}, a2 = {"111111111111", 2},
                a3 = {"111111111111", 3}, b1 = {"222222222222", 4};
    cs_sched_t *s = sched(8, 2, 5, 16);

    (void)state;
    push(s, &a1);
    push(s, &a2);
    push(s, &a3);
    push(s, &b1);
    assert_int_equal(next_id(s), 1);
    assert_int_equal(next_id(s), 2);
    /* a3 waits for its account; b1 behind it is not held back */
    assert_int_equal(next_id(s), 4);
    assert_int_equal(next_id(s), -1);
    assert_int_equal(cs_sched_running_for(s, "111111111111"), 2);
    assert_int_equal(cs_sched_running_for(s, "222222222222"), 1);
    assert_int_equal(cs_sched_running_for(s, "999999999999"), 0);
    finish(s, "222222222222");
    assert_int_equal(next_id(s), -1); /* a freed slot of another account */
    finish(s, "111111111111");
    assert_int_equal(next_id(s), 3);
    cs_sched_destroy(s);
}

static void distinct_accounts_limit(void **state)
{
    struct tjob a = {"111111111111", 1}, b = {"222222222222", 2},
                c = {"333333333333", 3}, a2 = {"111111111111", 4},
                d = {"444444444444", 5};
    cs_sched_t *s = sched(8, 2, 2, 16);

    (void)state;
    push(s, &a);
    push(s, &b);
    push(s, &c);
    push(s, &a2);
    push(s, &d);
    assert_int_equal(next_id(s), 1);
    assert_int_equal(next_id(s), 2);
    /* c and d would be a third account; a2 joins a running account */
    assert_int_equal(next_id(s), 4);
    assert_int_equal(next_id(s), -1);
    assert_int_equal(cs_sched_accounts(s), 2);
    assert_true(cs_sched_may_start(s, "222222222222"));
    assert_false(cs_sched_may_start(s, "333333333333"));
    finish(s, "111111111111");
    assert_int_equal(next_id(s), -1); /* account 1 still runs a2 */
    finish(s, "111111111111");
    assert_int_equal(cs_sched_accounts(s), 1);
    assert_int_equal(next_id(s), 3); /* the oldest of the waiting accounts */
    assert_int_equal(next_id(s), -1);
    finish(s, "222222222222");
    assert_int_equal(next_id(s), 5);
    cs_sched_destroy(s);
}

static void finish_and_push_errors(void **state)
{
    struct tjob j = {"111111111111", 1};
    char long_account[CS_SCHED_ACCOUNT_MAX + 2];
    struct cs_err err = CS_ERR_INIT;
    cs_sched_t *s = sched(1, 1, 1, 1);

    (void)state;
    assert_int_equal(cs_sched_finish(s, "111111111111", &err), CS_ERR_NOTFOUND);
    assert_int_equal(cs_sched_finish(s, NULL, &err), CS_ERR_NOTFOUND);
    assert_int_equal(cs_sched_push(s, "", &j, &err), CS_ERR_INVALID);
    assert_int_equal(cs_sched_push(s, NULL, &j, &err), CS_ERR_INVALID);
    assert_int_equal(cs_sched_push(s, "111111111111", NULL, &err), CS_ERR_INVALID);
    memset(long_account, '1', sizeof(long_account) - 1);
    long_account[sizeof(long_account) - 1] = '\0';
    assert_int_equal(cs_sched_push(s, long_account, &j, &err), CS_ERR_INVALID);
    long_account[CS_SCHED_ACCOUNT_MAX] = '\0'; /* exactly the maximum */
    assert_int_equal(cs_sched_push(s, long_account, &j, &err), CS_OK);
    assert_ptr_equal(cs_sched_next(s), &j);
    finish(s, long_account);
    assert_int_equal(cs_sched_running(s), 0);
    cs_sched_destroy(s);
}

static void queue_capacity_signals(void **state)
{
    struct tjob j[7];
    cs_sched_t *s = sched(1, 1, 1, 4);

    (void)state;
    for (int i = 0; i < 7; i++) {
        j[i].account = "111111111111";
        j[i].id = i;
    }
    assert_false(cs_sched_should_pause(s));
    assert_true(cs_sched_may_resume(s));
    for (int i = 0; i < 3; i++)
        push(s, &j[i]);
    assert_false(cs_sched_should_pause(s));
    assert_false(cs_sched_may_resume(s)); /* 3 > 4 / 2 */
    push(s, &j[3]);
    assert_true(cs_sched_should_pause(s));
    /* past the capacity still accepted: fetched jobs are never lost */
    push(s, &j[4]);
    push(s, &j[5]);
    assert_int_equal(cs_sched_queued(s), 6);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(next_id(s), i);
        finish(s, "111111111111");
    }
    assert_int_equal(cs_sched_queued(s), 2);
    assert_false(cs_sched_should_pause(s));
    assert_true(cs_sched_may_resume(s));
    push(s, &j[6]);
    assert_int_equal(next_id(s), 4);
    cs_sched_destroy(s);
}

static int drop_even(void *ud, void *job)
{
    int *dropped = ud;
    struct tjob *j = job;

    if (j->id % 2)
        return 0;
    dropped[j->id] = 1;
    return 1;
}

static int drop_all(void *ud, void *job)
{
    (void)ud;
    (void)job;
    return 1;
}

static void drop_keeps_order(void **state)
{
    struct tjob j[7];
    int dropped[7] = {0};
    cs_sched_t *s = sched(1, 1, 1, 8);

    (void)state;
    for (int i = 0; i < 6; i++) {
        j[i].account = "111111111111";
        j[i].id = i;
        push(s, &j[i]);
    }
    assert_int_equal(cs_sched_drop(s, drop_even, dropped), 3);
    assert_int_equal(cs_sched_queued(s), 3);
    for (int i = 0; i < 6; i++)
        assert_int_equal(dropped[i], i % 2 == 0);
    /* the tail is right after dropping the last job */
    j[6].account = "111111111111";
    j[6].id = 6;
    push(s, &j[6]);
    assert_int_equal(next_id(s), 1);
    finish(s, "111111111111");
    assert_int_equal(next_id(s), 3);
    finish(s, "111111111111");
    assert_int_equal(next_id(s), 5);
    finish(s, "111111111111");
    assert_int_equal(next_id(s), 6);
    finish(s, "111111111111");
    assert_int_equal(next_id(s), -1);
    /* dropping everything leaves an empty, usable queue */
    push(s, &j[0]);
    push(s, &j[2]);
    assert_int_equal(cs_sched_drop(s, drop_all, NULL), 2);
    assert_int_equal(cs_sched_queued(s), 0);
    push(s, &j[4]);
    assert_int_equal(next_id(s), 4);
    cs_sched_destroy(s);
}

/* ---- random walk against a model ---- */

#define MODEL_JOBS 4000
#define MODEL_ACCOUNTS 9

static const char *const accounts[MODEL_ACCOUNTS] = {
    "100000000001", "100000000002", "100000000003",
    "100000000004", "100000000005", "100000000006",
    "100000000007", "100000000008", "100000000009"};

struct model {
    int cells, per_account, max_accounts;
    int queued[MODEL_JOBS]; /* job ids in queue order */
    int nq;
    int running_for[MODEL_ACCOUNTS];
    int running;
};

static int model_accounts(const struct model *m)
{
    int n = 0;

    for (int a = 0; a < MODEL_ACCOUNTS; a++)
        n += m->running_for[a] > 0;
    return n;
}

static int model_may(const struct model *m, int a)
{
    if (m->running >= m->cells || m->running_for[a] >= m->per_account)
        return 0;
    return m->running_for[a] > 0 || model_accounts(m) < m->max_accounts;
}

static void random_walk_matches_model(void **state)
{
    static struct tjob jobs[MODEL_JOBS];
    static struct model m;
    static int running_ids[MODEL_JOBS];
    unsigned seed = 20261125;

    (void)state;
    for (int round = 0; round < 40; round++) {
        int cells = 1 + (int)(rand_r(&seed) % 8);
        int per = 1 + (int)(rand_r(&seed) % 3);
        int acc = 1 + (int)(rand_r(&seed) % 4);
        cs_sched_t *s = sched(cells, per, acc, 1 + (size_t)(rand_r(&seed) % 16));
        int njobs = 0, nrunning = 0;

        memset(&m, 0, sizeof(m));
        m.cells = cells;
        m.per_account = per;
        m.max_accounts = acc;
        for (int step = 0; step < 3000; step++) {
            int op = (int)(rand_r(&seed) % 3);

            if (op == 0 && njobs < MODEL_JOBS / 40 * (round + 1) &&
                njobs < MODEL_JOBS) {
                int a = (int)(rand_r(&seed) % MODEL_ACCOUNTS);
                jobs[njobs].account = accounts[a];
                jobs[njobs].id = njobs;
                push(s, &jobs[njobs]);
                m.queued[m.nq++] = njobs++;
            } else if (op == 1) {
                /* the model: oldest queued job whose account may start */
                int want = -1, at = -1;
                for (int i = 0; i < m.nq && want < 0; i++) {
                    int a = (int)(strtoll(jobs[m.queued[i]].account, NULL, 10) % 10) - 1;
                    if (model_may(&m, a)) {
                        want = m.queued[i];
                        at = i;
                    }
                }
                assert_int_equal(next_id(s), want);
                if (want >= 0) {
                    int a = (int)(strtoll(jobs[want].account, NULL, 10) % 10) - 1;
                    memmove(&m.queued[at], &m.queued[at + 1],
                            (size_t)(m.nq - at - 1) * sizeof(int));
                    m.nq--;
                    m.running_for[a]++;
                    m.running++;
                    running_ids[nrunning++] = want;
                }
            } else if (nrunning > 0) {
                int k = (int)(rand_r(&seed) % (unsigned)nrunning);
                int id = running_ids[k];
                int a = (int)(strtoll(jobs[id].account, NULL, 10) % 10) - 1;
                finish(s, jobs[id].account);
                running_ids[k] = running_ids[--nrunning];
                m.running_for[a]--;
                m.running--;
            }
            /* invariants */
            assert_true(cs_sched_running(s) <= cells);
            assert_true(cs_sched_accounts(s) <= acc);
            assert_int_equal(cs_sched_running(s), m.running);
            assert_int_equal(cs_sched_accounts(s), model_accounts(&m));
            assert_int_equal((int)cs_sched_queued(s), m.nq);
            for (int a = 0; a < MODEL_ACCOUNTS; a++) {
                assert_true(cs_sched_running_for(s, accounts[a]) <= per);
                assert_int_equal(cs_sched_running_for(s, accounts[a]),
                                 m.running_for[a]);
                assert_int_equal(cs_sched_may_start(s, accounts[a]),
                                 model_may(&m, a));
            }
        }
        cs_sched_drop(s, drop_all, NULL);
        cs_sched_destroy(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limits_are_checked),
        cmocka_unit_test(global_limit),
        cmocka_unit_test(per_account_limit_lets_others_pass),
        cmocka_unit_test(distinct_accounts_limit),
        cmocka_unit_test(finish_and_push_errors),
        cmocka_unit_test(queue_capacity_signals),
        cmocka_unit_test(drop_keeps_order),
        cmocka_unit_test(random_walk_matches_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
