# bash completion for jit: `eval "$(jit completion bash)"` in ~/.bashrc, or save it as
# ~/.local/share/bash-completion/completions/jit. Generated from jit's command definitions.
# Role names and grant ids come from a cache file jit writes after each command: no broker, no network.

__jit_cached() {
  __jit_values=()
  local file="${JIT_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/jit}/completion-cache" kind value
  [[ -r $file ]] || return 0
  while read -r kind value; do
    [[ $kind == "$1" ]] && __jit_values+=("$value")
  done <"$file"
}

_jit() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} path= word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    # After `jit exec … --` the words are the command's own.
    [[ $word == -- ]] && { compopt -o default; COMPREPLY=(); return 0; }
    case "${path:+$path }$word" in
      'elevate'|'exec'|'status'|'revoke'|'extend'|'roles'|'requests'|'approve'|'deny'|'break-glass'|'review'|'audit'|'audit verify'|'audit export'|'audit standing'|'login'|'whoami'|'logout'|'serve'|'secret'|'secret set'|'secret remove'|'init'|'doctor'|'completion'|'prompt') path="${path:+$path }$word" ;;
    esac
  done
  case $prev in
    -t|--ticket|--reason|--identity-token-file|--request|--by|--incident|--note|--export|--since|--config|--listen|--tls-cert|--tls-key)
      COMPREPLY=()
      return ;;
    -r|--role)
      __jit_cached role; COMPREPLY=($(compgen -W "${__jit_values[*]}" -- "$cur"))
      return ;;
    --ttl|--wait)
      COMPREPLY=($(compgen -W "15m 30m 1h 2h" -- "$cur"))
      return ;;
    --shell)
      compopt -o default; COMPREPLY=()
      return ;;
    --grant)
      __jit_cached grant; COMPREPLY=($(compgen -W "${__jit_values[*]}" -- "$cur"))
      return ;;
  esac
  case $path in
    '')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-V --version -h --help" -- "$cur")); else COMPREPLY=($(compgen -W "elevate exec status revoke extend roles requests approve deny break-glass review audit login whoami logout serve secret init doctor completion prompt" -- "$cur")); fi ;;
    'elevate')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-t --ticket -r --role --ttl --reason --no-input --identity-token-file --shell --no-wait --request --no-prompt -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'exec')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-t --ticket -r --role --ttl --reason --no-input --identity-token-file --wait -h --help" -- "$cur")); else compopt -o default; COMPREPLY=(); fi ;;
    'status')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--json --prompt -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'revoke')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--all -y --yes --no-input --json -h --help" -- "$cur")); else __jit_cached grant; COMPREPLY=($(compgen -W "${__jit_values[*]}" -- "$cur")); fi ;;
    'extend')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--by --reason --wait --no-wait --request --json -h --help" -- "$cur")); else __jit_cached grant; COMPREPLY=($(compgen -W "${__jit_values[*]}" -- "$cur")); fi ;;
    'roles')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--json -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'requests')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--pending --json -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'approve')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--reason -y --yes --no-input --json -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'deny')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--reason --no-input --json -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'break-glass')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-r --role --reason --incident --shell --no-prompt -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'review')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--note --json -h --help" -- "$cur")); else __jit_cached grant; COMPREPLY=($(compgen -W "${__jit_values[*]}" -- "$cur")); fi ;;
    'audit')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--grant --ticket --break-glass --json -h --help" -- "$cur")); else COMPREPLY=($(compgen -W "verify export standing" -- "$cur")); fi ;;
    'audit verify')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--export --json -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'audit export')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--since -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'audit standing')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--json -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'login')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--browser --device -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'whoami')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--json -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'logout')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'serve')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--config --listen --tls-cert --tls-key --check -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'secret')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-h --help" -- "$cur")); else COMPREPLY=($(compgen -W "set remove" -- "$cur")); fi ;;
    'secret set')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'secret remove')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'init')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--force -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'doctor')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--json -h --help" -- "$cur")); else COMPREPLY=(); fi ;;
    'completion')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-h --help" -- "$cur")); else COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); fi ;;
    'prompt')
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-h --help" -- "$cur")); else COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); fi ;;
  esac
}
complete -F _jit jit
