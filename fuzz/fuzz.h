/*
 * mx: helpers shared by the libFuzzer targets in fuzz/.  Each target is
 * built with clang -fsanitize=fuzzer,address,undefined against the
 * common/ sources compiled the same way (make fuzz).
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* A failed property: say which, then abort so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* Return a NUL-terminated copy of the input; the caller frees it. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif /* FUZZ_H */
