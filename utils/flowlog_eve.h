/*
 * flowlog_eve.h -- EVE-style JSON lines, one "flow" event per connection
 * (Suricata's EVE format, event_type "flow"): what jq, Filebeat's Suricata
 * module and Kafka pipelines take.
 */
#ifndef MOS_FLOWLOG_EVE_H
#define MOS_FLOWLOG_EVE_H

#include <stdio.h>

#include "flowlog_rec.h"

int flowlog_eve_record(FILE *f, const struct flowlog_rec *r);

#endif
