/*
 * rest_json.h — records written as the REST API's read answer (rest_json.c).
 */
#ifndef KD_REST_JSON_H
#define KD_REST_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "kafdo.h"
#include "record_batch.h"

/* What a walk writing records as REST messages carries from record to record. */
typedef struct {
    int32_t encoding;      /* KD_REST_ENCODING_* */
    uint32_t written;      /* messages written so far (a comma goes before each after the first) */
    int64_t last_offset;   /* the last written message's offset, -1 before any */
    uint64_t list_bytes;   /* what the records would take as a kd record list (kd_log_read's bound) */
    uint64_t record_bytes; /* keys, values, header names (UTF-16 units) and values: the read metric */
} kd_rest_messages;

/* A kd_record_emit: appends the record to the output as one REST message, a comma
 * before it unless it is the first. Errors: KD_ERR_NOMEM. */
int32_t kd_rest_message_out(const kd_record *rec, void *messages);

#endif
