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

/* us (wall time) as ISO 8601 UTC with milliseconds, as every timestamp the API shows. */
void
iso_utc(long long us, char out[ISO_UTC_SIZE])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(out, ISO_UTC_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, ISO_UTC_SIZE - n, ".%03dZ", (int)(us / 1000 % 1000));
}
