#include "wire/names.h"

#include <stdio.h>
#include <string.h>

struct name {
    int value;
    const char *word;
};

static const struct name cell_names[] = {
    {CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, "available"},
    {CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL, "partial"},
    {CELLSCAN__V1__CELL_STATUS__CELL_EMPTY, "empty"},
    {CELLSCAN__V1__CELL_STATUS__CELL_FAILED, "failed"},
    {0, NULL},
};

static const struct name evidence_names[] = {
    {CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK, "ok"},
    {CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL, "partial"},
    {CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS, "unavailable_no_access"},
    {CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NOT_ENABLED, "unavailable_not_enabled"},
    {CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR, "unavailable_error"},
    {0, NULL},
};

static const struct name kind_names[] = {
    {CELLSCAN__V1__VIOLATION_KIND__MISSING_REQUIRED_TAG, "missing_required_tag"},
    {CELLSCAN__V1__VIOLATION_KIND__INVALID_VALUE, "invalid_value"},
    {CELLSCAN__V1__VIOLATION_KIND__WRONG_KEY_CASE, "wrong_key_case"},
    {0, NULL},
};

static const struct name scan_names[] = {
    {CELLSCAN__V1__SCAN_STATUS__SCAN_OK, "ok"},
    {CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL, "partial"},
    {CELLSCAN__V1__SCAN_STATUS__SCAN_FAILED, "failed"},
    {CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED, "rejected"},
    {0, NULL},
};

static const char *lookup(const struct name *t, int v)
{
    for (; t->word; t++)
        if (t->value == v)
            return t->word;
    return "unspecified";
}

static int rlookup(const struct name *t, const char *s, int *out)
{
    for (; t->word; t++) {
        if (strcmp(t->word, s) == 0) {
            *out = t->value;
            return 0;
        }
    }
    return -1;
}

const char *cs_cell_status_name(Cellscan__V1__CellStatus s)
{
    return lookup(cell_names, (int)s);
}

const char *cs_evidence_status_name(Cellscan__V1__EvidenceStatus s)
{
    return lookup(evidence_names, (int)s);
}

const char *cs_violation_kind_name(Cellscan__V1__ViolationKind k)
{
    return lookup(kind_names, (int)k);
}

const char *cs_scan_status_name(Cellscan__V1__ScanStatus s)
{
    return lookup(scan_names, (int)s);
}

int cs_cell_status_parse(const char *s, Cellscan__V1__CellStatus *out)
{
    int v;
    if (rlookup(cell_names, s, &v) != 0)
        return -1;
    *out = (Cellscan__V1__CellStatus)v;
    return 0;
}

int cs_evidence_status_parse(const char *s, Cellscan__V1__EvidenceStatus *out)
{
    int v;
    if (rlookup(evidence_names, s, &v) != 0)
        return -1;
    *out = (Cellscan__V1__EvidenceStatus)v;
    return 0;
}

int cs_violation_kind_parse(const char *s, Cellscan__V1__ViolationKind *out)
{
    int v;
    if (rlookup(kind_names, s, &v) != 0)
        return -1;
    *out = (Cellscan__V1__ViolationKind)v;
    return 0;
}

int cs_scan_status_parse(const char *s, Cellscan__V1__ScanStatus *out)
{
    int v;
    if (rlookup(scan_names, s, &v) != 0)
        return -1;
    *out = (Cellscan__V1__ScanStatus)v;
    return 0;
}

char *cs_cell_id(const char *category, const char *account_id, char *out,
                 size_t outlen)
{
    snprintf(out, outlen, "aws_%s:%s", category, account_id);
    return out;
}

int cs_cell_id_split(const char *id, char *category, size_t catlen,
                     char *account, size_t acclen)
{
    const char *colon;
    size_t n;

    if (strncmp(id, "aws_", 4) != 0)
        return -1;
    colon = strchr(id + 4, ':');
    if (colon == NULL || colon == id + 4 || colon[1] == '\0')
        return -1;
    n = (size_t)(colon - (id + 4));
    if (n >= catlen || strlen(colon + 1) >= acclen)
        return -1;
    memcpy(category, id + 4, n);
    category[n] = '\0';
    strcpy(account, colon + 1);
    return 0;
}
