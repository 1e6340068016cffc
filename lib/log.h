/* Logging for mdcs programs: to stderr or syslog, filtered by level. */
#ifndef MDCS_LOG_H
#define MDCS_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_init(const char *ident, int max_level, bool to_syslog);
/* Whether a message of this level would be written. */
bool log_enabled(int level);
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
