/*
 * fuzz_config.c -- the configuration loader (lib/config.h) on arbitrary
 * file contents.
 *
 * The input is written to a temporary file and loaded.  A load that fails
 * must leave the config empty (all zero, mos_config_free harmless) with
 * errno set; one that succeeds must print text that loads back to the same
 * printed text (config.h: "the text loads back").  AddressSanitizer's leak
 * check sees anything either path forgets to free.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static char in_path[256], out_path[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc, (void)argv;
	snprintf(in_path, sizeof(in_path), "%s/libmos-fuzzconf-%d.conf", dir,
		 (int)getpid());
	snprintf(out_path, sizeof(out_path), "%s/libmos-fuzzconf-%d-out.conf",
		 dir, (int)getpid());
	return 0;
}

static void cleanup(void) __attribute__((destructor));
static void cleanup(void)
{
	if (*in_path) {
		unlink(in_path);
		unlink(out_path);
	}
}

static bool write_file(const char *path, const uint8_t *d, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return false;
	if (n)
		fwrite(d, 1, n, f);
	return fclose(f) == 0;
}

static char *printed(const struct mos_config *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	FUZZ_CHECK(f, "open_memstream");
	mos_config_print(c, f);
	FUZZ_CHECK(fclose(f) == 0, "fclose");
	return buf;
}

static bool all_zero(const struct mos_config *c)
{
	const unsigned char *p = (const unsigned char *)c;

	for (size_t i = 0; i < sizeof(*c); i++)
		if (p[i])
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mos_config c, back;
	char *text, *text2;
	size_t len, len2;

	if (size > 65536 || !write_file(in_path, data, size))
		return 0;
	errno = 0;
	if (mos_config_load(&c, in_path) < 0) {
		FUZZ_CHECK(errno != 0, "failed load without errno");
		FUZZ_CHECK(all_zero(&c), "failed load left the config filled");
		mos_config_free(&c);
		return 0;
	}
	text = printed(&c, &len);
	mos_config_free(&c);
	mos_config_free(&c);	/* "safe to call twice" */
	FUZZ_CHECK(write_file(out_path, (const uint8_t *)text, len),
		   "write %s", out_path);
	FUZZ_CHECK(mos_config_load(&back, out_path) == 0,
		   "printed config does not load back:\n%s", text);
	text2 = printed(&back, &len2);
	/* the first line names the file it was loaded from */
	FUZZ_CHECK(strcmp(strchr(text, '\n'), strchr(text2, '\n')) == 0,
		   "printed config changes on reload:\n%s\n----\n%s", text,
		   text2);
	mos_config_free(&back);
	free(text);
	free(text2);
	return 0;
}
