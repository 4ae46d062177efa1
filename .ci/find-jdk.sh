#!/usr/bin/env bash
# Prints the home of a JDK 21 or newer: JAVA_HOME, then `java` on PATH, then the usual JDK folders.
# Used by ./llmq and .ci/run. Exits 1 with a message on stderr when none is found.

llmq_java_major() { # $1 = path to a java binary; prints its feature version (17, 21, 25 ...)
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)
  case "$v" in 1.*) v=${v#1.}; v=${v%%.*} ;; esac
  printf '%s' "${v%%.*}"
}

llmq_find_jdk() {
  local min=${1:-21} candidate home major
  local -a candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
                   "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$candidate" ] && candidates+=("$candidate")
  done
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || continue
    major=$(llmq_java_major "$home/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$min" ] 2>/dev/null; then
      printf '%s\n' "$home"
      return 0
    fi
  done
  echo "llmq needs a JDK $min or newer (java and javac); none found in JAVA_HOME, on PATH or under /usr/lib/jvm." >&2
  echo "Install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME to it." >&2
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  llmq_find_jdk "$@"
fi
