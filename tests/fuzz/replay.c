/*
 * Replays inputs through a fuzz harness without libFuzzer: each file named
 * on the command line is read whole and handed to LLVMFuzzerTestOneInput.
 * Prints one line per file; a crash, a sanitizer report or a failed
 * FUZZ_ASSERT ends the process, which tests/run.py reports as a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Reads path into a malloc'd buffer; returns it and sets *len, or NULL. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *grown;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((grown = realloc(buf, cap)) == NULL)
				goto fail;
			buf = grown;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

int
main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		size_t len;
		uint8_t *buf = slurp(argv[i], &len);

		if (buf == NULL) {
			printf("cannot read %s\n", argv[i]);
			bad = 1;
			continue;
		}
		/* Named first: if the harness dies, the last line says on what. */
		printf("replaying %s\n", argv[i]);
		fflush(stdout);
		/* The harness gets exactly len bytes, like under libFuzzer. */
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		printf("replayed %s (%zu bytes)\n", argv[i], len);
	}
	return bad;
}
