/*
 * The libFuzzer entry point every harness in tests/fuzz/ defines. `make fuzz`
 * links a harness with libFuzzer (clang -fsanitize=fuzzer); `make test`
 * links it with tests/fuzz/replay.c, which feeds it the files of
 * tests/fuzz/corpus/<name>/ and tests/fuzz/regression/<name>/.
 *
 * A harness frees everything it allocates, and turns a wrong result into a
 * crash with FUZZ_ASSERT, so that both drivers report it.
 */
#ifndef ORX_FUZZ_H
#define ORX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
