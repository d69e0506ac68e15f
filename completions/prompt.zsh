# jit prompt segment for zsh: `eval "$(jit prompt zsh)"` in ~/.zshrc.
#
# Reads only JIT_* variables, zsh's own clock (zsh/datetime's EPOCHSECONDS) and, after `jit extend`,
# the session's end from $JIT_EXPIRES_FILE (with the read builtin, exported as JIT_EXPIRES_AT): no
# process is started per prompt.
#   jit_prompt_info        prints the segment: "prod-db-admin 25m", "45s" under a minute, "expired" after,
#                          "BREAK-GLASS prod-db-admin 9m" in a break-glass session; nothing outside a jit
#                          session. Red (%F{red}) under 5 minutes and in break-glass, unless NO_COLOR is set.
#   __jit_prompt_precmd    (a precmd hook) sets $jit_prompt to the same text, and warns once at 10 and
#                          at 2 minutes left. Use ${jit_prompt} in PROMPT (setopt prompt_subst): a $(…) would fork.
# Example: setopt prompt_subst; PROMPT='${jit_prompt:+[$jit_prompt] }%n@%m:%~%# '

zmodload zsh/datetime

# A renewal moved the session's end: jit wrote it to JIT_EXPIRES_FILE. -f first: a FIFO would block the prompt.
__jit_prompt_follow_end() {
  [[ -n ${JIT_EXPIRES_FILE-} && -f $JIT_EXPIRES_FILE ]] || return 0
  local end=
  read -r end 2>/dev/null <"$JIT_EXPIRES_FILE"
  [[ $end == <-> && ${#end} -le 12 && $end != "${JIT_EXPIRES_AT-}" ]] && export JIT_EXPIRES_AT=$end
  return 0
}

__jit_prompt_segment() {
  typeset -g jit_prompt=
  __jit_prompt_follow_end
  [[ -n ${JIT_SESSION-} && ${JIT_EXPIRES_AT-} == <-> && ${#JIT_EXPIRES_AT} -le 12 ]] || return 0
  local -i left=$((JIT_EXPIRES_AT - EPOCHSECONDS))
  local text role=$JIT_ROLE
  if ((left <= 0)); then
    text=expired
  elif ((left < 60)); then
    text=${left}s
  else
    text=$((left / 60))m
  fi
  # The role came from the environment: only its plain characters reach the terminal (no % escapes).
  [[ $role == *[^a-zA-Z0-9_.-]* ]] && role=${role//[^a-zA-Z0-9_.-]/?}
  text="$role $text"
  # Break-glass says so in every prompt, in red.
  [[ ${JIT_BREAKGLASS-} == 1 ]] && text="BREAK-GLASS $text"
  if { ((left < 300)) || [[ ${JIT_BREAKGLASS-} == 1 ]] } && [[ -z ${NO_COLOR-} ]]; then
    text="%F{red}$text%f"
  fi
  jit_prompt=$text
}

jit_prompt_info() {
  __jit_prompt_segment
  print -rn -- "$jit_prompt"
}

__jit_prompt_precmd() {
  __jit_prompt_segment
  [[ -n $jit_prompt ]] || return 0
  local -i left=$((JIT_EXPIRES_AT - EPOCHSECONDS))
  local mark when
  if ((left > 0 && left <= 120)); then
    mark=2
  elif ((left > 120 && left <= 600)); then
    mark=10
  else
    return 0
  fi
  # Once per end: a session extended past a mark is warned again as it nears its new end.
  [[ ${__jit_prompt_warned-} == "$JIT_SESSION:$JIT_EXPIRES_AT:$mark" ]] && return 0
  typeset -g __jit_prompt_warned="$JIT_SESSION:$JIT_EXPIRES_AT:$mark"
  when=$((left / 60))m
  ((left < 60)) && when=${left}s
  print -ru2 -- "jit: $when left in this session (${JIT_ROLE//[^a-zA-Z0-9_.-]/?}, ${JIT_TICKET//[^!-~]/?}); it ends at the TTL unless you run jit extend"
}

# Adds the precmd hook once and, when asked, puts the segment in front of PROMPT.
__jit_prompt_install() {
  autoload -Uz add-zsh-hook
  add-zsh-hook precmd __jit_prompt_precmd
  if [[ ${1-} == --ps1 && $PROMPT != *'$jit_prompt'* ]]; then
    setopt prompt_subst
    PROMPT='${jit_prompt:+($jit_prompt) }'"$PROMPT"
  fi
}
__jit_prompt_install
