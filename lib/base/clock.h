/* Clocks: wall time for records, monotonic time for durations. */
#ifndef ORX_CLOCK_H
#define ORX_CLOCK_H

long long	wall_us(void);
long long	mono_us(void);
long long	mono_ms(void);

#define ISO_UTC_SIZE	32
void		iso_utc(long long us, char out[ISO_UTC_SIZE]);
void		iso_utc_us(long long us, char out[ISO_UTC_SIZE]);

#endif
