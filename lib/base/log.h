/*
 * Logging to stderr, one line per message: time, pid, level, text.
 * The process model points stderr at the log file. Never log secrets.
 */
#ifndef ORX_LOG_H
#define ORX_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG__MAX };
extern const char *const log_level_names[LOG__MAX];

void	log_set_level(enum log_level);
void	log_msg(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_error(...)	log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
