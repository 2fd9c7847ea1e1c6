#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

const char *const log_level_names[LOG__MAX] = {
	"error", "warn", "info", "debug",
};

/* Configuration, set once at start and on reload: the one kind of global. */
static enum log_level log_threshold = LOG_INFO;

void
log_set_level(enum log_level l)
{
	log_threshold = l;
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	char line[2048], ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	int n;

	if (l > log_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ [%ld] %s: ", ts,
	    now.tv_nsec / 1000000, (long)getpid(), log_level_names[l]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	/* One write per line, so lines of concurrent workers do not mix. */
	n = (int)strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		n--;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
