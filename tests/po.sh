# Translations: every string marked for translation has one in each language of
# po/LINGUAS, none fuzzy, formats matching; the list of files to scan is whole. The
# template is made afresh from the sources, so a new _() without a translation fails here.
. "${top_srcdir}/tests/lib.sh"
set -e
cd "$top_srcdir"

for tool in xgettext msgcmp msgfmt msgattrib; do
    command -v "$tool" > /dev/null || fail "$tool is not installed (scripts/install-deps installs gettext)"
done

# Every source file that marks a string is in POTFILES.in, or its strings would never reach
# the translators.
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort)
marking=$(grep -lE '\b(_|N_|P_)\("' src/*.c ui/*.c ui/*.h cli/*.c include/jelou/*.h \
    | grep -v '^include/jelou/i18n\.h$' | sort)
missing=$(comm -13 <(printf '%s\n' "$listed") <(printf '%s\n' "$marking"))
[ -z "$missing" ] || fail "files with translatable strings missing from po/POTFILES.in: $missing"
ok "po/POTFILES.in lists every file that marks strings"

# The same options as po/Makevars, read from it.
opts=$(sed -n '/^XGETTEXT_OPTIONS/,/[^\\]$/p' po/Makevars | sed 's/^XGETTEXT_OPTIONS *= *//; s/\\$//' | tr '\n' ' ')
# shellcheck disable=SC2086
xgettext $opts --package-name=jelou-console -o "$T/fresh.pot" $listed
test -s "$T/fresh.pot" || fail "xgettext found no strings"

for lang in $(cat po/LINGUAS); do
    po="po/$lang.po"
    [ -f "$po" ] || fail "$po is missing (po/LINGUAS names $lang)"
    # Without --use-untranslated or --use-fuzzy, both count as missing.
    msgcmp "$po" "$T/fresh.pot" 2> "$T/msgcmp.$lang" ||
        fail "$po lacks translations: $(grep -c 'this message' "$T/msgcmp.$lang" || true) missing: $(head -n 6 "$T/msgcmp.$lang")"
    fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
    [ "$fuzzy" -eq 0 ] || fail "$po has $fuzzy fuzzy entries (check them and drop the flag)"
    msgfmt -c -o /dev/null "$po" 2> "$T/msgfmt.$lang" ||
        fail "$po does not compile: $(cat "$T/msgfmt.$lang")"
    ok "$lang: every string translated, none fuzzy, formats match"
done
