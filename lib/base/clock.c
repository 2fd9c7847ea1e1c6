#include <stdio.h>
#include <time.h>

#include "clock.h"

long long
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
mono_ms(void)
{
	return mono_us() / 1000;
}

static char *
put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

/*
 * us (wall time) as ISO 8601 UTC with frac (3 or 6) decimals of the
 * second: "2026-11-21T17:00:00.123Z". Written digit by digit: strftime and
 * snprintf were most of a no-trace run's formatting cost.
 */
static void
iso_format(long long us, char out[ISO_UTC_SIZE], int frac)
{
	time_t t = (time_t)(us / 1000000);
	int sub = (int)(us % 1000000);
	struct tm tm;
	char *p = out;

	if (sub < 0) {
		sub += 1000000;
		t--;
	}
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		snprintf(out, ISO_UTC_SIZE, "1970-01-01T00:00:00Z");
		return;
	}
	p = put_digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = frac == 6 ? put_digits(p, sub, 6) : put_digits(p, sub / 1000, 3);
	*p++ = 'Z';
	*p = '\0';
}

/* us (wall time) as ISO 8601 UTC with milliseconds, as every timestamp the API shows. */
void
iso_utc(long long us, char out[ISO_UTC_SIZE])
{
	iso_format(us, out, 3);
}

/* The same with microseconds, for records that keep them (the invocation log). */
void
iso_utc_us(long long us, char out[ISO_UTC_SIZE])
{
	iso_format(us, out, 6);
}
