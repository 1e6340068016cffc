/* Logging for mdcs programs: to stderr or syslog, filtered by level. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static const char *log_ident = "mdcs";
static int log_max = LOG_INFO;
static bool log_syslog;

void log_init(const char *ident, int max_level, bool to_syslog)
{
	log_ident = ident;
	log_max = max_level;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

bool log_enabled(int level)
{
	return level <= log_max;
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *const names[] = {
		"emerg",   "alert",  "crit", "error",
		"warning", "notice", "info", "debug",
	};
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		localtime_r(&now.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s: ", tm.tm_hour,
			tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000, log_ident,
			names[level & 7]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
