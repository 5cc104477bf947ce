# bash completion for ffleet. Job ids come from the running daemon
# (`ffleet ctl status --json`, honouring --connect and FFLEET_CONNECT).
_ffleet_job_ids() {
  local connect=()
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == --connect ]]; then connect=(--connect "${COMP_WORDS[i + 1]}"); fi
  done
  ffleet ctl "${connect[@]}" status --json 2>/dev/null |
    grep -o '"id":"[^"]*"' | cut -d'"' -f4
}

_ffleet() {
  local cur prev
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  local command="" sub="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -*) ;;
      *)
        if [[ -z $command ]]; then command=${COMP_WORDS[i]}
        elif [[ $command == ctl && -z $sub && ${COMP_WORDS[i - 1]} != --connect && ${COMP_WORDS[i - 1]} != --token-file ]]; then sub=${COMP_WORDS[i]}
        fi ;;
    esac
  done

  case $prev in
    --events | --token-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --control | --http | --connect | -n | --lines | --cluster | --node | --advertise | --label | --capacity | --lease-ttl) return ;;
    --log-level) COMPREPLY=($(compgen -W "trace debug info warn error" -- "$cur")); return ;;
    --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
  esac

  case $command in
    "") COMPREPLY=($(compgen -W "run validate ctl version --version --help" -- "$cur")) ;;
    run)
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--events --control --http --token-file --log-level --log-format --coalesce-ms --sample-ms --cluster --node --advertise --label --capacity --lease-ttl --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur"))
      fi ;;
    validate) COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur")) ;;
    ctl)
      case $sub in
        "") COMPREPLY=($(compgen -W "status start stop restart kill logs report reload shutdown nodes apply drain uncordon forget --connect --token-file --help" -- "$cur")) ;;
        start | stop | restart | kill)
          if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--all --help" -- "$cur"))
          else COMPREPLY=($(compgen -W "$(_ffleet_job_ids)" -- "$cur")); fi ;;
        logs)
          if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-n --lines -f --follow --json --raw --help" -- "$cur"))
          else COMPREPLY=($(compgen -W "$(_ffleet_job_ids)" -- "$cur")); fi ;;
        nodes) COMPREPLY=($(compgen -W "--json --help" -- "$cur")) ;;
        apply) COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur")) ;;
        status | report)
          if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--json --help" -- "$cur"))
          else COMPREPLY=($(compgen -W "$(_ffleet_job_ids)" -- "$cur")); fi ;;
      esac ;;
  esac
}
complete -F _ffleet ffleet
