/*
 * vector_state.c: writing and validating the partial state of mv_fit (see
 * vector_state.h for the layout).
 */
#include "core/state/vector_state.h"

#include "core/state/row_order.h"
#include "core/state/state_envelope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_METHOD "{\"method\": \""
#define OPT_STANDARDIZE "\", \"standardize\": "
#define OPT_FAR ", \"false_alarm_rate\": "
#define OPT_THRESHOLD ", \"threshold\": "
#define OPT_COMPONENTS ", \"components\": "
#define OPT_MIN_COMPONENTS ", \"min_components\": "
#define OPT_REG_COVAR ", \"reg_covar\": "

/* The shortest %.*g form of v that reads back to v. */
static int
put_double(char *buf, size_t cap, double v)
{
	int			len = 0;

	for (int prec = 1; prec <= 17; prec++)
	{
		len = snprintf(buf, cap, "%.*g", prec, v);
		if (len > 0 && (size_t) len < cap && strtod(buf, NULL) == v)
			break;
	}
	return len;
}

size_t
an_vector_state_options_text(const an_mv_options *opt, char *buf)
{
	char		err[128];
	char		num[40],
				comp[40] = "",
				minc[40] = "",
				reg[40] = "";
	int			len;
	bool		by_threshold = opt->threshold > 0.0,
				pca = opt->method == AN_MV_PCA,
				gmm = opt->method == AN_MV_GMM;

	if (an_mv_options_check(opt, err, sizeof(err)) != AN_OK)
		return 0;
	/* with a threshold the false-alarm rate is unused and mv_fit leaves it at its default */
	if (by_threshold && opt->false_alarm_rate != AN_MV_DEFAULT_FALSE_ALARM_RATE)
		return 0;
	/* components belongs to pca (0: the default share) and gmm (always explicit, as mv_fit makes them) */
	if (!pca && !gmm && opt->components != 0.0)
		return 0;
	if (gmm && (opt->components == 0.0 || opt->min_components == 0.0 || opt->reg_covar == 0.0))
		return 0;
	if (put_double(num, sizeof(num), by_threshold ? opt->threshold : opt->false_alarm_rate) <= 0)
		return 0;
	if ((pca || gmm) && put_double(comp, sizeof(comp), opt->components) <= 0)
		return 0;
	if (gmm && (put_double(minc, sizeof(minc), opt->min_components) <= 0 ||
				put_double(reg, sizeof(reg), opt->reg_covar) <= 0))
		return 0;
	len = snprintf(buf, AN_VECTOR_STATE_OPTIONS_MAX, "%s%s%s%s%s%s%s%s%s%s%s%s}", OPT_METHOD,
				   gmm ? "gmm" : pca ? "pca" : "gaussian",
				   OPT_STANDARDIZE, opt->standardize ? "true" : "false", by_threshold ? OPT_THRESHOLD : OPT_FAR, num,
				   pca || gmm ? OPT_COMPONENTS : "", comp,
				   gmm ? OPT_MIN_COMPONENTS : "", minc, gmm ? OPT_REG_COVAR : "", reg);
	if (len <= 0 || len >= AN_VECTOR_STATE_OPTIONS_MAX)
		return 0;
	return (size_t) len;
}

/* If the text at *p starts with word, step *p over it. */
static bool
skip(const char **p, const char *word)
{
	size_t		n = strlen(word);

	if (strncmp(*p, word, n) != 0)
		return false;
	*p += n;
	return true;
}

/* If the text at *p is key and a number, read the number into *v and step *p over both. */
static bool
key_number(const char **p, const char *key, double *v)
{
	const char *q = *p;
	char	   *end;

	/* strtod accepts forms the writer never prints (hex, inf, spaces): parse_options refuses them */
	if (!skip(&q, key))
		return false;
	*v = strtod(q, &end);
	if (end == q)
		return false;
	*p = end;
	return true;
}

/* Parse an options text; AN_OK only if it is exactly the canonical text of valid options. */
static an_status
parse_options(const char *text, size_t len, an_mv_options *opt)
{
	char		buf[AN_VECTOR_STATE_OPTIONS_MAX];
	char		again[AN_VECTOR_STATE_OPTIONS_MAX];
	const char *p = buf;
	bool		gmm,
				pca;

	if (len < 2 || len >= sizeof(buf) || memchr(text, '\0', len) != NULL)
		return AN_ECORRUPT;
	memcpy(buf, text, len);
	buf[len] = '\0';
	an_mv_options_default(opt);
	if (!skip(&p, OPT_METHOD))
		return AN_ECORRUPT;
	if (skip(&p, "pca"))
		opt->method = AN_MV_PCA;
	else if (skip(&p, "gmm"))
		opt->method = AN_MV_GMM;
	else if (!skip(&p, "gaussian"))
		return AN_ECORRUPT;
	if (!skip(&p, OPT_STANDARDIZE))
		return AN_ECORRUPT;
	if (skip(&p, "false"))
		opt->standardize = false;
	else if (!skip(&p, "true"))
		return AN_ECORRUPT;
	if (!key_number(&p, OPT_FAR, &opt->false_alarm_rate) && !key_number(&p, OPT_THRESHOLD, &opt->threshold))
		return AN_ECORRUPT;
	gmm = opt->method == AN_MV_GMM;
	pca = opt->method == AN_MV_PCA;
	if ((pca || gmm) && !key_number(&p, OPT_COMPONENTS, &opt->components))
		return AN_ECORRUPT;
	if (gmm && (!key_number(&p, OPT_MIN_COMPONENTS, &opt->min_components) ||
				!key_number(&p, OPT_REG_COVAR, &opt->reg_covar)))
		return AN_ECORRUPT;
	if (strcmp(p, "}") != 0)
		return AN_ECORRUPT;
	if (an_vector_state_options_text(opt, again) != len || memcmp(again, text, len) != 0)
		return AN_ECORRUPT;
	return AN_OK;
}

an_status
an_vector_state_write(const an_mv_options *opt, const double *x, size_t n, size_t d,
					  uint8_t **out, size_t *out_len)
{
	char		text[AN_VECTOR_STATE_OPTIONS_MAX];
	size_t		text_len = an_vector_state_options_text(opt, text);
	an_writer	w;
	an_status	s;

	if (text_len == 0 || d == 0 || d > AN_MV_MAX_DIMS || n == 0)
		return AN_EINVAL;
	s = an_row_writer_init(&w, x, n, d, AN_MV_MAX_ROWS, 17 + text_len);
	if (s != AN_OK)
		return s;
	an_put_u8(&w, AN_VECTOR_STATE_VERSION);
	an_state_put_text(&w, text, text_len);
	an_put_u32(&w, (uint32_t) d);
	return an_row_finish_sorted(&w, x, n, d, AN_KIND_MV_FIT_STATE, out, out_len);
}

an_status
an_vector_state_open(const uint8_t *buf, size_t len, an_vector_state *st)
{
	const uint8_t *payload;
	an_reader	r;
	an_status	s;
	uint8_t		version;
	uint32_t	options_len,
				d;
	const char *options;

	s = an_state_begin(buf, len, AN_KIND_MV_FIT_STATE, &r, &payload);
	if (s != AN_OK)
		return s;
	version = an_get_u8(&r);
	options_len = an_get_u32(&r);
	s = an_reader_check_version(&r, version, AN_VECTOR_STATE_VERSION);
	if (s == AN_OK)
		s = an_state_get_text(&r, options_len, &options);
	if (s != AN_OK)
		return s;
	d = an_get_u32(&r);
	s = an_row_get_rows(&r, payload, d, true, AN_MV_MAX_DIMS, AN_MV_MAX_ROWS, &st->n, &st->rows);
	if (s == AN_OK)
		s = parse_options(options, options_len, &st->opt);
	if (s != AN_OK)
		return s;
	st->d = d;
	return an_row_check_sorted(st->rows, st->n, st->d);
}

void
an_vector_state_rows(const an_vector_state *st, size_t from, size_t count, double *dst)
{
	an_row_decode(st->rows, st->d, from, count, dst);
}
