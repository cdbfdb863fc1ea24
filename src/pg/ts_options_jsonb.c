/*
 * ts_options_jsonb.c: walks a jsonb object and hands every key with a typed
 * value to the core validator (an_ts_option_set), which knows the options.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "pg/ts_options_jsonb.h"

#define MAX_ARRAY_ITEMS 16

static void
scalar_to_opt(const JsonbValue *jv, an_opt_value *out)
{
	memset(out, 0, sizeof(*out));
	switch (jv->type)
	{
		case jbvNull:
			out->type = AN_OPT_NULL;
			break;
		case jbvBool:
			out->type = AN_OPT_BOOL;
			out->boolean = jv->val.boolean;
			break;
		case jbvNumeric:
			out->type = AN_OPT_NUMBER;
			/*
			 * A number beyond the range of a double becomes +-Infinity (or 0),
			 * not an error quoting all its digits: the validator then names
			 * the option and its range.
			 */
			out->number = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
															 NumericGetDatum(jv->val.numeric)));
			break;
		case jbvString:
			out->type = AN_OPT_STRING;
			out->string = pnstrdup(jv->val.string.val, jv->val.string.len);
			break;
		default:
			out->type = AN_OPT_OBJECT;
			break;
	}
}

static void
raise_option_error(const char *msg)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("%s", msg),
			errhint("Valid ts_fit options are method, period, trend, threshold, confidence, false_alarm_rate, exclude_outliers, interval, direction, shape, window, discord, discord_rows and analog."));
}

JsonbIterator *
options_object_begin(Jsonb *jb, const char *fname, const char *example)
{
	JsonbIterator *it;
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s options must be a jsonb object", fname),
				errhint("For example '%s'.", example));
	it = JsonbIteratorInit(&jb->root);
	(void) JsonbIteratorNext(&it, &v, false);	/* WJB_BEGIN_OBJECT */
	return it;
}

bool
options_object_next(JsonbIterator **it, char **key, JsonbValue *value)
{
	JsonbIteratorToken tok;

	*key = NULL;
	while ((tok = JsonbIteratorNext(it, value, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			*key = pnstrdup(value->val.string.val, value->val.string.len);
		else if (tok == WJB_VALUE && *key != NULL)
			return true;
	}
	return false;
}

void
ts_options_from_jsonb(Jsonb *jb, an_ts_options *opt)
{
	JsonbIterator *it;
	JsonbValue	v;
	char		err[256];
	char	   *key;

	an_ts_options_default(opt);
	it = options_object_begin(jb, "ts_fit", "{\"threshold\": 4}");
	while (options_object_next(&it, &key, &v))
	{
		an_opt_value ov;

		if (v.type == jbvBinary)
		{
			/* a nested container: accept arrays of scalars only */
			JsonbIterator *inner = JsonbIteratorInit((JsonbContainer *) v.val.binary.data);
			JsonbValue	iv;
			JsonbIteratorToken itok;
			an_opt_value *items = palloc0(sizeof(an_opt_value) * MAX_ARRAY_ITEMS);
			int			nitems = 0;
			bool		is_array = false,
						nested = false;

			while ((itok = JsonbIteratorNext(&inner, &iv, true)) != WJB_DONE)
			{
				if (itok == WJB_BEGIN_ARRAY)
					is_array = true;
				else if (itok == WJB_ELEM)
				{
					if (iv.type == jbvBinary)
						nested = true;
					else if (nitems < MAX_ARRAY_ITEMS)
						scalar_to_opt(&iv, &items[nitems++]);
					else
						nested = true;
				}
			}
			memset(&ov, 0, sizeof(ov));
			ov.type = (is_array && !nested) ? AN_OPT_ARRAY : AN_OPT_OBJECT;
			ov.items = items;
			ov.nitems = nitems;
		}
		else
			scalar_to_opt(&v, &ov);

		if (an_ts_option_set(opt, key, &ov, err, sizeof(err)) != AN_OK)
			raise_option_error(err);
	}
}
