/*
 * The builder's reading of text: a message becomes lower-case words and
 * punctuation (a URL and one quoted name are lifted out first); field
 * lists ("with name, email and phone"), field kinds from their names, and
 * constraints ("password at least 12 characters") are read from the words.
 * Deterministic and offline: the same text always reads the same way.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "builder_int.h"

/* Length of a "{name}" placeholder at s (a letter or '_', then letters, digits, '_'), or 0. */
static size_t
placeholder(const char *s)
{
	size_t n = 1;

	if (s[0] != '{' || !(isalpha((unsigned char)s[1]) || s[1] == '_'))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return s[n] == '}' && n <= 64 ? n + 1 : 0;
}

/*
 * Copies the URL starting at s into t->url; returns its length in s. The
 * URL ends at a character RFC 3986 does not allow in one: braces above all,
 * or "see https://x/{{input" would put half a template into a config --
 * but for a "{name}" placeholder of a URL template ("?q={city}"), which is
 * kept whole.
 */
static size_t
lift_url(struct btext *t, const char *s)
{
	size_t n = 0, ph;

	while (s[n] != '\0' && !isspace((unsigned char)s[n])) {
		if ((ph = placeholder(s + n)) > 0) {
			n += ph;
			continue;
		}
		if (strchr("\"'<>{}|\\^`", s[n]) != NULL)
			break;
		n++;
	}
	size_t len = n;
	while (len > 0 && strchr(".,;:)!?", s[len - 1]) != NULL)
		len--;
	if (t->url[0] == '\0' && len < sizeof(t->url)) {
		memcpy(t->url, s, len);
		t->url[len] = '\0';
	}
	return len;
}

/*
 * Length of the email address at s (local@domain.tld, the characters a
 * plain address has), or 0; the first one is copied into t->email.
 */
static size_t
lift_email(struct btext *t, const char *s)
{
	size_t n = 0, at, dots = 0;

	while (isalnum((unsigned char)s[n]) || (s[n] != '\0' && strchr("._%+-", s[n]) != NULL))
		n++;
	if (n == 0 || s[n] != '@')
		return 0;
	at = n++;
	while (isalnum((unsigned char)s[n]) || s[n] == '-' || (s[n] == '.' &&
	    isalnum((unsigned char)s[n + 1]) && ++dots))
		n++;
	if (dots == 0 || n - at < 4 || n >= sizeof(t->email))
		return 0;
	if (t->email[0] == '\0') {
		memcpy(t->email, s, n);
		t->email[n] = '\0';
	}
	return n;
}

/* The header name "X-Signature" at s (X- and letters, digits, '-'), lower-cased into t->header. */
static void
lift_header(struct btext *t, const char *s)
{
	size_t n = 2;

	if (t->header[0] != '\0' || (s[0] != 'x' && s[0] != 'X') || s[1] != '-')
		return;
	while (isalnum((unsigned char)s[n]) || (s[n] == '-' && isalnum((unsigned char)s[n + 1])))
		n++;
	if (n < 3 || n >= sizeof(t->header))
		return;
	for (size_t i = 0; i < n; i++)
		t->header[i] = (char)tolower((unsigned char)s[i]);
	t->header[n] = '\0';
}

/* Length of the {...} at s: to its matching brace (strings respected), or to the end. */
static size_t
skip_json(const char *s)
{
	size_t n = 0;
	int depth = 0, in_str = 0;

	for (; s[n] != '\0'; n++) {
		if (in_str) {
			if (s[n] == '\\' && s[n + 1] != '\0')
				n++;
			else if (s[n] == '"')
				in_str = 0;
		} else if (s[n] == '"')
			in_str = 1;
		else if (s[n] == '{')
			depth++;
		else if (s[n] == '}' && --depth == 0)
			return n + 1;
	}
	return n;
}

/*
 * len, shortened so that w[0..len) does not end inside a UTF-8 sequence:
 * a word cut at BT_MAX_WORD bytes must stay text (names end up in jsonb).
 */
static size_t
utf8_whole(const char *w, size_t len)
{
	size_t i = len, need;
	unsigned char c;

	/* Back over continuation bytes to the byte that starts the last character. */
	while (i > 0 && len - i < 3 && ((unsigned char)w[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return len;
	c = (unsigned char)w[i - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return len - (i - 1) < need ? i - 1 : len;
}

static int
push(struct btext *t, const char *w, size_t len)
{
	if (t->n >= BT_MAX_TOKENS)
		return -1;
	if (len >= BT_MAX_WORD)
		len = BT_MAX_WORD - 1;
	len = utf8_whole(w, len);
	memcpy(t->orig[t->n], w, len);
	t->orig[t->n][len] = '\0';
	for (size_t i = 0; i < len; i++)
		t->tok[t->n][i] = (char)tolower((unsigned char)w[i]);
	t->tok[t->n][len] = '\0';
	t->n++;
	return 0;
}

/*
 * Splits text into tokens: runs of letters and digits (tok lower-cased,
 * orig as written; a hyphen or apostrophe inside a word is dropped, so
 * "sign-up" is "signup" and "don't" is "dont"), and the punctuation
 * , . ; : ( ) as tokens of their own. A URL becomes the token "<url>", an
 * email address "<email>" and a JSON object "<json>"; the first quoted
 * text is kept as written, and so is the first X-... header name (lower
 * case). Returns 0, or -1 when the text has too many words.
 */
int
bt_parse(struct btext *t, const char *text)
{
	const char *s = text;
	char word[BT_MAX_WORD];
	size_t wl = 0;
	int has_at = strchr(text, '@') != NULL;

	memset(t, 0, sizeof(*t));
	while (*s != '\0') {
		unsigned char c = (unsigned char)*s;
		if (wl == 0 && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0)) {
			s += lift_url(t, s);
			if (push(t, "<url>", 5) == -1)
				return -1;
			continue;
		}
		if (wl == 0 && has_at && (isalnum(c) || c == '_')) {
			size_t el = lift_email(t, s);
			if (el > 0) {
				s += el;
				if (push(t, "<email>", 7) == -1)
					return -1;
				continue;
			}
		}
		if (wl == 0 && (c == 'x' || c == 'X') && s[1] == '-')
			lift_header(t, s);
		if (c == '{' && wl == 0) {
			/* A JSON object (a run's input) is data, not words to read. */
			s += skip_json(s);
			if (push(t, "<json>", 6) == -1)
				return -1;
			continue;
		}
		if ((c == '"' || c == '\'') && wl == 0) {
			const char *end = strchr(s + 1, (int)c);
			if (end != NULL && end > s + 1 && (size_t)(end - s - 1) < sizeof(t->quoted)) {
				if (t->quoted[0] == '\0') {
					memcpy(t->quoted, s + 1, (size_t)(end - s - 1));
					t->quoted[end - s - 1] = '\0';
				}
			}
		}
		if (isalnum(c) || c == '_' || c >= 0x80) {
			if (wl + 1 < sizeof(word))
				word[wl++] = (char)c;
			s++;
			continue;
		}
		if ((c == '-' || c == '\'') && wl > 0 && isalnum((unsigned char)s[1])) {
			s++;
			continue;
		}
		if (wl > 0 && push(t, word, wl) == -1)
			return -1;
		wl = 0;
		if (strchr(",.;:()", (int)c) != NULL && c != '\0') {
			if (push(t, s, 1) == -1)
				return -1;
		}
		s++;
	}
	if (wl > 0 && push(t, word, wl) == -1)
		return -1;
	return 0;
}

/*
 * The words the builder recognises kinds of API by, for bt_normalize: a
 * word one typo away from one of them ("sigup", "loign", "pasword",
 * "newsleter") is read as it. Words of the language that are one edit
 * away from one of them are not typos.
 */
static const char *const vocabulary[] = {
	"signup", "register", "registration", "login", "logon", "signin", "authenticate",
	"authentication", "password", "passwords", "reset", "forgot", "forgotten", "recover",
	"recovery", "newsletter", "subscribe", "subscription", "subscribers", "confirm",
	"confirmation", "double", "contact", "feedback", "enquiry", "inquiry", "message",
	"messages", "webhook", "webhooks", "signature", "signed", "verify", "receive",
	"receiver", "incoming", "create", "update", "delete", "remove", "complete",
	"todo", "todos", "account", "accounts", "collection", "crud", "email", "emails",
	"relay", "forward", "external", "endpoint", "manage", "users", "retrieve", "weather",
	"mailing", "hmac", "list", "newsletters", "registers", NULL
};
static const char *const not_typos[] = {
	"contract", "contracts", "logic", "design", "resent", "sighed", "recent", "deleted",
	"created", "updated", "removed", "manager", "signal", "assign", NULL
};

/* 1 when a and b are one insertion, deletion, substitution or adjacent swap apart. */
static int
one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0;

	if (la > lb + 1 || lb > la + 1)
		return 0;
	while (i < la && i < lb && a[i] == b[i])
		i++;
	if (la == lb && i == la)
		return 1;
	if (la == lb)
		return strcmp(a + i + 1, b + i + 1) == 0 ||
		    (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		    strcmp(a + i + 2, b + i + 2) == 0);
	return la > lb ? strcmp(a + i + 1, b + i) == 0 : strcmp(a + i, b + i + 1) == 0;
}

/* 1 when a and b are the same letters, two neighbours swapped. */
static int
swapped(const char *a, const char *b)
{
	size_t n = strlen(a), i = 0;

	if (n != strlen(b))
		return 0;
	while (i < n && a[i] == b[i])
		i++;
	return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
	    strcmp(a + i + 2, b + i + 2) == 0;
}

/*
 * Reads a word one typo away from a word of the builder's vocabulary as
 * that word, in place (tok only; orig keeps what was written). Words of 5
 * letters and more may differ by one edit, words of 4 by two letters
 * swapped; shorter words, and words of the vocabulary or of not_typos,
 * are left alone. Only creates read text this way: an edit names fields
 * as they are.
 */
void
bt_normalize(struct btext *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *w = t->tok[i];
		size_t n = strlen(w);
		const char *const *v;
		int known = 0;

		if (n < 4 || bt_punct(t, i) || w[0] == '<')
			continue;
		for (v = vocabulary; *v != NULL && !known; v++)
			known = strcmp(w, *v) == 0;
		for (v = not_typos; *v != NULL && !known; v++)
			known = strcmp(w, *v) == 0;
		if (known)
			continue;
		/* "contact-form", "login-api": the word before the noun. */
		for (v = vocabulary; *v != NULL && !known; v++) {
			static const char *const nouns[] = { "form", "api", "endpoint", "page",
			    "service", "flow", "list", "app", NULL };
			size_t vn = strlen(*v);
			for (const char *const *nn = nouns; *nn != NULL && !known; nn++)
				if (n == vn + strlen(*nn) && strncmp(w, *v, vn) == 0 &&
				    strcmp(w + vn, *nn) == 0) {
					memmove(t->tok[i], *v, vn);
					t->tok[i][vn] = '\0';
					known = 1;
				}
		}
		if (known)
			continue;
		for (v = vocabulary; *v != NULL; v++) {
			size_t vn = strlen(*v);
			if ((n >= 5 && vn >= 5 && one_edit(w, *v)) || (n >= 4 && swapped(w, *v))) {
				snprintf(t->tok[i], sizeof(t->tok[i]), "%s", *v);
				break;
			}
		}
	}
}

int
bt_is(const struct btext *t, size_t i, const char *word)
{
	return i < t->n && strcmp(t->tok[i], word) == 0;
}

int
bt_any(const struct btext *t, size_t i, const char *const *words)
{
	for (; *words != NULL; words++)
		if (bt_is(t, i, *words))
			return 1;
	return 0;
}

int
bt_punct(const struct btext *t, size_t i)
{
	return i < t->n && strchr(",.;:()", t->tok[i][0]) != NULL && t->tok[i][1] == '\0';
}

/* Index of the first occurrence of phrase (space-separated words) at or after from, or -1. */
long
bt_find(const struct btext *t, size_t from, const char *phrase)
{
	char words[8][BT_MAX_WORD];
	size_t nw = 0;
	const char *p = phrase;

	while (*p != '\0' && nw < 8) {
		size_t l = strcspn(p, " ");
		if (l >= BT_MAX_WORD)
			return -1;
		memcpy(words[nw], p, l);
		words[nw++][l] = '\0';
		p += l;
		while (*p == ' ')
			p++;
	}
	for (size_t i = from; i + nw <= t->n; i++) {
		size_t k;
		for (k = 0; k < nw; k++)
			if (strcmp(t->tok[i + k], words[k]) != 0)
				break;
		if (k == nw)
			return (long)i;
	}
	return -1;
}

int
bt_has(const struct btext *t, const char *phrase)
{
	return bt_find(t, 0, phrase) >= 0;
}

/* 1 when the text has any of phrases (a NULL-terminated list). */
int
bt_has_any(const struct btext *t, const char *const *phrases)
{
	for (; *phrases != NULL; phrases++)
		if (bt_has(t, *phrases))
			return 1;
	return 0;
}

/* 1 and *out when token i is a plain number (at most 9 digits). */
int
bt_number(const struct btext *t, size_t i, long long *out)
{
	const char *s;

	if (i >= t->n)
		return 0;
	s = t->tok[i];
	if (*s == '\0' || strlen(s) > 9)
		return 0;
	for (const char *p = s; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	*out = strtoll(s, NULL, 10);
	return 1;
}

/* Field names: a letter, then letters, digits or '_'; 63 at most. */
int
bf_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= B_NAME_MAX || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

const char *const bf_kind_names[FK__MAX] = {
	"text", "email", "password", "phone", "url", "integer", "number",
	"boolean", "long text",
};

static const struct {
	const char	*word;
	enum fkind	 kind;
} kind_words[] = {
	{ "email", FK_EMAIL }, { "mail", FK_EMAIL }, { "emailaddress", FK_EMAIL },
	{ "password", FK_PASSWORD }, { "passcode", FK_PASSWORD }, { "passphrase", FK_PASSWORD },
	{ "phone", FK_PHONE }, { "phonenumber", FK_PHONE }, { "mobile", FK_PHONE },
	{ "telephone", FK_PHONE }, { "tel", FK_PHONE },
	{ "url", FK_URL }, { "website", FK_URL }, { "homepage", FK_URL }, { "link", FK_URL },
	{ "age", FK_INTEGER }, { "quantity", FK_INTEGER }, { "qty", FK_INTEGER },
	{ "count", FK_INTEGER }, { "stock", FK_INTEGER }, { "year", FK_INTEGER },
	{ "rating", FK_INTEGER }, { "seats", FK_INTEGER },
	{ "price", FK_NUMBER }, { "amount", FK_NUMBER }, { "total", FK_NUMBER },
	{ "cost", FK_NUMBER }, { "weight", FK_NUMBER },
	{ "active", FK_BOOLEAN }, { "subscribed", FK_BOOLEAN }, { "newsletter", FK_BOOLEAN },
	{ "consent", FK_BOOLEAN }, { "agreed", FK_BOOLEAN }, { "done", FK_BOOLEAN },
	{ "message", FK_TEXT }, { "comment", FK_TEXT }, { "comments", FK_TEXT },
	{ "body", FK_TEXT }, { "description", FK_TEXT }, { "notes", FK_TEXT },
	{ "feedback", FK_TEXT }, { "bio", FK_TEXT },
};

/* The kind a field's name implies ("email" → an email address). */
enum fkind
bf_kind_of(const char *name)
{
	char low[B_NAME_MAX];
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(kind_words) / sizeof(kind_words[0]); i++)
		if (strcmp(low, kind_words[i].word) == 0)
			return kind_words[i].kind;
	/* Compound names: workEmail, mobilePhone, imageUrl, isActive; any
	 * passwordConfirmation is a password too, so it is never stored. */
	size_t n = strlen(low);
	if (strstr(low, "password") != NULL || strstr(low, "passcode") != NULL)
		return FK_PASSWORD;
	if (n > 5 && strcmp(low + n - 5, "email") == 0)
		return FK_EMAIL;
	if (n > 5 && strcmp(low + n - 5, "phone") == 0)
		return FK_PHONE;
	if (n > 3 && strcmp(low + n - 3, "url") == 0)
		return FK_URL;
	if (n > 2 && strncmp(low, "is", 2) == 0 && isupper((unsigned char)name[2]))
		return FK_BOOLEAN;
	return FK_STRING;
}

/* A field named name with the defaults of its kind (password ≥ 8, text 1-200...). */
void
bf_init(struct bfield *f, const char *name, int required)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->kind = bf_kind_of(name);
	f->required = required;
	switch (f->kind) {
	case FK_PASSWORD:
		f->min = 8;
		f->has_min = 1;
		break;
	case FK_STRING:
		f->min = 1;
		f->has_min = 1;
		f->max = 200;
		f->has_max = 1;
		break;
	case FK_TEXT:
		f->min = 1;
		f->has_min = 1;
		f->max = 2000;
		f->has_max = 1;
		break;
	case FK_INTEGER:
	case FK_NUMBER:
		f->min = 0;
		f->has_min = 1;
		break;
	default:
		break;
	}
}

static const char *const stop_words[] = {
	"where", "that", "which", "who", "to", "in", "into", "at", "must", "should",
	"is", "are", "of", "for", "from", "on", "by", "then", "so", "it", "as",
	"using", "stored", "store", "save", "saves", "stores", "returning", "return",
	"returns", "api", "endpoint", "form", "workflow", "collection", "called",
	"named", "when", "if", "min", "max", "minimum", "maximum", "between",
	"least", "most", "up", "no", "less", "more", "longer", "shorter", "<url>",
	"send", "sends", "notify", "notifies", "post", "posts", "forward", "with",
	"jwt", "token", "tokens", "hashing", "hashed", "validation", "password-hashing", NULL
};
static const char *const filler_words[] = {
	"a", "an", "the", "their", "his", "her", "its", "your", "my", "our", "user",
	"users", "s", "field", "fields", "also", NULL
};
static const char *const vague_words[] = {
	"usual", "default", "standard", "some", "following", "basic", "other",
	"all", "any", "them", "these", "those", "stuff", "things", "info",
	"details", "data", "everything", "etc", "same", NULL
};
static const char *const list_triggers[] = {
	"with", "fields", "field", "taking", "takes", "accepting", "accepts",
	"containing", "having", "including", "collecting", "collects", "asks", NULL
};

/* Appends word to a camelCase name ("phone" + "number" → phoneNumber). */
static void
camel_append(char *name, size_t size, const char *word)
{
	size_t n = strlen(name);

	if (n == 0) {
		snprintf(name, size, "%s", word);
		return;
	}
	if (n + strlen(word) + 1 > size)
		return;
	snprintf(name + n, size - n, "%c%s", toupper((unsigned char)word[0]), word + 1);
}

/*
 * Reads a list of field names starting at token j: items of one to three
 * words (made camelCase) separated by commas, "and" or "or"; "optional"
 * or "required" next to an item marks it. The list ends at punctuation
 * other than a comma, or at a word that starts a new clause (its index in
 * *end, if end; t->n when the list ran to the end). Returns the number of
 * fields now in out (nf on entry; duplicates are skipped).
 */
int
bf_list_at(const struct btext *t, size_t j, struct bfield *out, size_t nf, size_t max,
    size_t *end)
{
	char name[B_NAME_MAX] = "";
	size_t words = 0;
	int required = 1, stop = 0;

	while (j < t->n && (bt_is(t, j, ":") || bt_any(t, j, filler_words) ||
	    bt_any(t, j, list_triggers)))
		j++;
	if (end != NULL)
		*end = t->n;
	for (; j <= t->n && !stop; j++) {
		int sep = j == t->n || bt_is(t, j, ",") || bt_is(t, j, "and") ||
		    bt_is(t, j, "or") || bt_is(t, j, "&");
		if (!sep && (bt_is(t, j, "optional") || bt_is(t, j, "optionally"))) {
			required = 0;
			continue;
		}
		if (!sep && (bt_is(t, j, "required") || bt_is(t, j, "mandatory"))) {
			required = 1;
			continue;
		}
		if (!sep && bt_is(t, j, "(")) {
			/* "password (at least 10 characters)": bounds are read later. */
			while (j + 1 < t->n && !bt_is(t, j + 1, ")")) {
				j++;
				if (bt_is(t, j, "optional"))
					required = 0;
			}
			j++;
			continue;
		}
		if (!sep && bt_is(t, j, ")"))
			continue;
		if (!sep && (bt_punct(t, j) || bt_any(t, j, stop_words) ||
		    isdigit((unsigned char)t->tok[j][0]))) {
			stop = sep = 1;
			if (end != NULL)
				*end = j;
		}
		if (sep) {
			if (words > 0 && words <= 3 && bf_name_valid(name) && nf < max) {
				size_t k;
				for (k = 0; k < nf; k++)
					if (strcmp(out[k].name, name) == 0)
						break;
				if (k == nf)
					bf_init(&out[nf++], name, required);
			}
			name[0] = '\0';
			words = 0;
			required = 1;
			continue;
		}
		if (bt_any(t, j, filler_words))
			continue;
		if (bt_any(t, j, vague_words)) {
			stop = 1;
			if (end != NULL)
				*end = j;
			continue;
		}
		if (words < 3)
			camel_append(name, sizeof(name), t->orig[j]);
		words++;
	}
	return (int)nf;
}

/* The first field list after a trigger word ("with name, email and phone"). */
int
bf_list(const struct btext *t, struct bfield *out, size_t max)
{
	for (size_t i = 0; i < t->n; i++) {
		int nf;
		if (bt_any(t, i, list_triggers) &&
		    (nf = bf_list_at(t, i + 1, out, 0, max, NULL)) > 0)
			return nf;
	}
	return 0;
}

/* Matches a bound phrase at i; sets *kind (1 min, 2 max, 3 between), *skip. */
static int
bound_at(const struct btext *t, size_t i, int *kind, long long *a, long long *b,
    size_t *skip)
{
	static const struct { const char *phrase; int kind; int adj; } ph[] = {
		{ "at least", 1, 0 }, { "minimum of", 1, 0 }, { "minimum", 1, 0 },
		{ "min", 1, 0 }, { "more than", 1, 1 }, { "longer than", 1, 1 },
		{ "over", 1, 1 }, { "at most", 2, 0 }, { "maximum of", 2, 0 },
		{ "maximum", 2, 0 }, { "max", 2, 0 }, { "up to", 2, 0 },
		{ "no more than", 2, 0 }, { "less than", 2, -1 }, { "shorter than", 2, -1 },
		{ "under", 2, -1 }, { "no longer than", 2, 0 }, { "between", 3, 0 },
		{ "from", 3, 0 },
	};
	for (size_t p = 0; p < sizeof(ph) / sizeof(ph[0]); p++) {
		if (bt_find(t, i, ph[p].phrase) != (long)i)
			continue;
		size_t k = i + 1 + (strchr(ph[p].phrase, ' ') != NULL) +
		    (strchr(ph[p].phrase, ' ') != NULL && strchr(strchr(ph[p].phrase, ' ') + 1, ' ') != NULL);
		if (bt_is(t, k, "length") || bt_is(t, k, "of"))
			k++;
		if (!bt_number(t, k, a))
			continue;
		*kind = ph[p].kind;
		if (*kind == 3) {
			if (!(bt_is(t, k + 1, "and") || bt_is(t, k + 1, "to")) ||
			    !bt_number(t, k + 2, b))
				continue;
			k += 2;
		} else
			*a += ph[p].adj;
		*skip = k;
		return 1;
	}
	return 0;
}

static const char *const bound_starts[] = {
	"at", "no", "up", "less", "more", "min", "max", "minimum", "maximum",
	"under", "over", "shorter", "longer", NULL
};

/*
 * Reads the bounds said of f: after a mention of its name, within the
 * clause, "at least N", "at most N", "between N and M", "up to N" (with
 * "characters" or without). For text fields the bounds are lengths; for
 * numbers, values. "minimum password length of 12" also counts.
 */
void
bf_constraints(const struct btext *t, struct bfield *f)
{
	char low[B_NAME_MAX];
	size_t i;

	for (i = 0; f->name[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)f->name[i]);
	low[i] = '\0';
	for (i = 0; i < t->n; i++) {
		/* "phoneNumber" is mentioned as "phone number"; its first word counts. */
		if (strcmp(t->tok[i], low) != 0 &&
		    !(strncmp(low, t->tok[i], strlen(t->tok[i])) == 0 && strlen(t->tok[i]) > 2 &&
		    isupper((unsigned char)f->name[strlen(t->tok[i])])))
			continue;
		/* "minimum password length", "the maximum length of name" */
		int before = 0;
		for (size_t b = 1; b <= 3 && b <= i && !bt_punct(t, i - b) && !before; b++) {
			if (bt_is(t, i - b, "minimum") || bt_is(t, i - b, "min"))
				before = 1;
			if (bt_is(t, i - b, "maximum") || bt_is(t, i - b, "max"))
				before = 2;
		}
		for (size_t j = i + 1; j < t->n && j < i + 10; j++) {
			int kind = 0;
			long long a = 0, b = 0;
			size_t end = j;
			if (bt_is(t, j, ",") || bt_is(t, j, ";") || bt_is(t, j, "."))
				break;
			/* "email and password at least 12": the bound is password's. */
			if ((bt_is(t, j, "and") || bt_is(t, j, "or")) && !bt_any(t, j + 1, bound_starts))
				break;
			if (before && bt_number(t, j, &a))
				kind = before, end = j;
			else if (!bound_at(t, j, &kind, &a, &b, &end))
				continue;
			if (a < 0 || a > 100000000 || b < 0 || b > 100000000)
				break;
			if (kind == 1 || kind == 3) {
				f->min = a;
				f->has_min = 1;
			}
			if (kind == 2) {
				f->max = a;
				f->has_max = 1;
			}
			if (kind == 3) {
				f->max = b;
				f->has_max = 1;
			}
			if (f->has_min && f->has_max && f->max < f->min)
				f->max = f->min;
			before = 0;
			j = end;
		}
	}
}

/* The inputSchema property of f. */
struct json_object *
bf_schema(const struct bfield *f)
{
	struct json_object *p = json_object_new_object();
	int numeric = f->kind == FK_INTEGER || f->kind == FK_NUMBER;

	switch (f->kind) {
	case FK_INTEGER: json_object_object_add(p, "type", json_object_new_string("integer")); break;
	case FK_NUMBER:  json_object_object_add(p, "type", json_object_new_string("number")); break;
	case FK_BOOLEAN: json_object_object_add(p, "type", json_object_new_string("boolean")); break;
	default:         json_object_object_add(p, "type", json_object_new_string("string")); break;
	}
	if (f->kind == FK_EMAIL)
		json_object_object_add(p, "format", json_object_new_string("email"));
	if (f->kind == FK_URL)
		json_object_object_add(p, "format", json_object_new_string("uri"));
	if (f->kind == FK_PHONE)
		json_object_object_add(p, "pattern", json_object_new_string("^\\+?[0-9 ()-]{7,20}$"));
	if (f->kind == FK_BOOLEAN)
		return p;
	if (f->has_min)
		json_object_object_add(p, numeric ? "minimum" : "minLength",
		    json_object_new_int64(f->min));
	if (f->has_max)
		json_object_object_add(p, numeric ? "maximum" : "maxLength",
		    json_object_new_int64(f->max));
	return p;
}

static void
rule_kv(struct json_object *rules, const char *key, struct json_object *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, v);
	json_object_array_add(rules, o);
}

/* The validate tool's rules for f: the same constraints as bf_schema. */
struct json_object *
bf_rules(const struct bfield *f)
{
	struct json_object *r = json_object_new_array();
	int numeric = f->kind == FK_INTEGER || f->kind == FK_NUMBER;

	if (f->required)
		json_object_array_add(r, json_object_new_string("required"));
	switch (f->kind) {
	case FK_EMAIL:   json_object_array_add(r, json_object_new_string("email")); break;
	case FK_URL:     json_object_array_add(r, json_object_new_string("uri")); break;
	case FK_INTEGER: json_object_array_add(r, json_object_new_string("integer")); break;
	case FK_NUMBER:  json_object_array_add(r, json_object_new_string("number")); break;
	case FK_BOOLEAN: json_object_array_add(r, json_object_new_string("boolean")); break;
	case FK_PHONE:
		rule_kv(r, "pattern", json_object_new_string("^\\+?[0-9 ()-]{7,20}$"));
		break;
	default: break;
	}
	if (f->kind == FK_BOOLEAN)
		return r;
	if (f->has_min)
		rule_kv(r, numeric ? "min" : "minLength", json_object_new_int64(f->min));
	if (f->has_max)
		rule_kv(r, numeric ? "max" : "maxLength", json_object_new_int64(f->max));
	return r;
}
