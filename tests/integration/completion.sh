# bash completion: sourced as bash-completion would, COMPREPLY for a few inputs.
. "${top_srcdir}/tests/lib.sh"
set -e

. "${top_srcdir}/assets/completions/jelou-console.bash"
complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMPREPLY=()
    _jelou_console
    printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' '
}
assert_eq "subcommands" "integration" "$(complete_words jelou-console inte)"
assert_eq "s..." "send serve setup" "$(complete_words jelou-console se)"
assert_eq "agent actions" "revoke" "$(complete_words jelou-console agent re)"
assert_eq "integration actions" "create" "$(complete_words jelou-console integration cr)"
assert_eq "integration options" "--webhook-url" \
    "$(complete_words jelou-console integration create --web)"
assert_eq "auth types" "basic bearer" \
    "$(complete_words jelou-console integration update --auth-type b)"
assert_eq "doctor" "--json" "$(complete_words jelou-console doctor --js)"
assert_eq "setup" "--non-interactive" "$(complete_words jelou-console setup --non)"
ok "bash completion offers subcommands, actions, options and values"

# every long option the completion offers for integration is one the binary takes
for opt in $(complete_words jelou-console integration get --); do
    run_jelou integration get "$opt" --help
    case "$ERR" in *"bad option '$opt'"*) fail "integration does not take $opt" ;; esac
done
ok "the options offered exist"
