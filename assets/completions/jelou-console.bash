# bash completion for jelou-console: subcommands, their actions and options.
_jelou_console()
{
    local cur prev cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local common="--endpoint --project --bot --secret-file --cacert --config --attempts
        --timeout --connect-timeout --api-key-file --rest-base --help"
    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    case $prev in
    --secret-file|--cacert|--config|--api-key-file|--auth-token-file|--batch|--log|\
    --journal|--token-file|--media-cert|--script)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --media-dir)
        COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --auth-type)
        COMPREPLY=($(compgen -W "bearer basic api_key no_auth" -- "$cur")); return ;;
    --type)
        COMPREPLY=($(compgen -W "text image video audio document" -- "$cur")); return ;;
    esac
    local words
    case $cmd in
    "")
        words="send mime mock listen conversation integration setup doctor serve agent --demo
            --listen
            --public --server --token-file --version $common" ;;
    send)
        words="--room --user --text --attach --type --caption --filename --mime --id
            --dry-run --json --quiet --batch --parallel $common" ;;
    mime) words="--json $common" ;;
    mock)
        words="--listen --log --fail-first --fail-rate --fail-status --retry-after --delay-ms --delay-id
            --media-dir --media-cert --emit-to --script $common" ;;
    listen) words="--listen --path --journal --token-file --public $common" ;;
    conversation)
        if [ "$i" -eq $((COMP_CWORD - 1)) ]; then words="start close get"
        else words="--user --message --id --json $common"; fi ;;
    integration)
        if [ "$i" -eq $((COMP_CWORD - 1)) ]; then words="get create update delete"
        else words="--webhook-url --auth-type --auth-token-file --force --json $common"; fi ;;
    setup) words="--non-interactive --webhook-url --force $common" ;;
    doctor) words="--json $common" ;;
    serve) words="--redis --listen --public --tls-cert --tls-key --spool $common" ;;
    agent)
        if [ "$i" -eq $((COMP_CWORD - 1)) ]; then words="add list revoke"
        else words="--redis --token-file $common"; fi ;;
    *) words=$common ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _jelou_console jelou-console
