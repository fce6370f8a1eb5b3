/* plan.h: what the dispatcher publishes for one request, as encoded
 * messages — pure functions of the request, the resolved accounts and
 * the configuration, so that a request dispatched twice (redelivered
 * after a crash) gives byte-identical messages.
 *
 *   manifest (cell-results, key scan_id)      phase 0
 *   one CellJob per cell (cell-jobs, key account_id)   phase 1
 *   or one ScanReport (scan-results, key scan_id)       phase 0
 *
 * A phase is published only after every message of the phase before was
 * acknowledged (the manifest is on the broker before any job).
 */
#ifndef CS_DISPATCHER_PLAN_H
#define CS_DISPATCHER_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "bus/topics.h"
#include "cellscan.pb-c.h"
#include "util/err.h"

/* Longest cell id, NUL included ("aws_<category>:<12 digits>"). */
#define CS_DISP_CELL_ID_MAX 64

/* One message to publish. key and value are owned (malloc). */
struct cs_disp_msg {
    enum cs_topic topic;
    char *key;
    size_t keylen;
    uint8_t *value;
    size_t len;
    int phase;
    /* delivery state, kept by the run loop */
    int state; /* CS_DISP_PENDING, _IN_FLIGHT, _ACKED */
};

enum { CS_DISP_PENDING = 0, CS_DISP_IN_FLIGHT, CS_DISP_ACKED };

/* The messages of one request. */
struct cs_disp_out {
    struct cs_disp_msg *msgs;
    size_t n, cap;
};

/* Frees every message and resets out to empty. NULL is a no-op. */
void cs_disp_out_free(struct cs_disp_out *out);

/* An account discovery (or the explicit list) resolved: accounts to scan,
 * sorted and unique, and the skipped ones (sorted by id) with reason
 * suspended | excluded_account | excluded_ou. Owned: free with
 * cs_disp_target_free. */
struct cs_disp_skipped {
    char id[13];
    char reason[24];
};

struct cs_disp_target {
    char (*accounts)[13];
    size_t naccounts;
    struct cs_disp_skipped *skipped;
    size_t nskipped;
};

/* Frees the arrays of t and empties it. NULL is a no-op. */
void cs_disp_target_free(struct cs_disp_target *t);

/* The explicit account list of a validated scope, sorted, duplicates
 * dropped. Errors: CS_ERR_NOMEM. On success caller frees t with
 * cs_disp_target_free. */
cs_rc cs_disp_target_from_list(const Cellscan__V1__AccountList *list,
                               struct cs_disp_target *t, struct cs_err *err);

/* Takes the n accounts of ids (any order, duplicates allowed) and the
 * skipped ones as they are (copied), sorting both. Errors: CS_ERR_NOMEM,
 * CS_ERR_INVALID for an id that is not 12 digits. */
cs_rc cs_disp_target_set(struct cs_disp_target *t, const char *const *ids,
                         size_t n, const struct cs_disp_skipped *skipped,
                         size_t nskipped, struct cs_err *err);

/* The configured values a scope may override. Strings borrowed. */
struct cs_disp_settings {
    const char *role_arn_template; /* CELLSCAN_ROLE_ARN_TEMPLATE */
    const char *role_name;         /* CELLSCAN_ROLE_NAME */
    const char *external_id;       /* CELLSCAN_EXTERNAL_ID */
    const char *aws_region;        /* AWS_REGION: the partition of role ARNs */
    int session_duration_s;        /* CELLSCAN_SESSION_DURATION */
    int scan_deadline_s;           /* CELLSCAN_SCAN_DEADLINE */
};

/* The scan's deadline: requested_at_ms + (scope deadline_s, or the
 * configured one) seconds. Cannot fail. */
int64_t cs_disp_deadline_ms(const Cellscan__V1__ScanRequest *r,
                            const struct cs_disp_settings *st);

/* Appends the manifest (phase 0) and one CellJob per (account, category)
 * (phase 1, accounts in t's order, categories in the scope's order,
 * repeats dropped) of validated request r to out. Regions are the
 * scope's, repeats dropped. Errors: CS_ERR_INVALID when a role ARN cannot
 * be built (err says why), CS_ERR_NOMEM. */
cs_rc cs_disp_build_scan(const Cellscan__V1__ScanRequest *r,
                         const struct cs_disp_target *t,
                         const struct cs_disp_settings *st,
                         struct cs_disp_out *out, struct cs_err *err);

/* Fills rep (initialised here; strings borrowed from the arguments) as
 * the report of a request that produced no scan: status (SCAN_REJECTED
 * or SCAN_FAILED), reason, the ids, started_at_ms = requested_at_ms and
 * finished_at_ms = now_ms; nothing else. Cannot fail. */
void cs_disp_report(Cellscan__V1__ScanReport *rep, const char *client_id,
                    const char *scan_id, Cellscan__V1__ScanStatus status,
                    const char *reason, int64_t requested_at_ms,
                    int64_t now_ms);

/* Appends rep, encoded, for scan-results (key scan_id; no key when it is
 * empty) at phase 0. Errors: CS_ERR_NOMEM. */
cs_rc cs_disp_add_report(struct cs_disp_out *out,
                         const Cellscan__V1__ScanReport *rep,
                         struct cs_err *err);

#endif
