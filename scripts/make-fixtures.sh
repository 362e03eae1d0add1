#!/usr/bin/env bash
# Makes the English test speech: test/fixtures/*.wav + manifest.json, and assets/sample.wav
# (+ sample.txt). Voices are flite's rms, kal16 and awb (the en-us pocketsphinx model
# recognises them well; espeak voices it does not). Output: 16 kHz mono PCM16 WAV.
# Long fixtures join sentences with 0.6-1.2 s of silence, so a chunker can cut at pauses.
# Deterministic (no dither: -D): running it again rewrites the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in flite sox soxi node; do
  command -v "$tool" >/dev/null || { echo "make-fixtures: $tool not found (apt-get install flite sox)" >&2; exit 1; }
done
for voice in rms kal16 awb; do
  flite -lv | grep -qw "$voice" || { echo "make-fixtures: flite voice $voice missing" >&2; exit 1; }
done

FIXTURES=test/fixtures
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$FIXTURES" assets
rm -f "$FIXTURES"/*.wav
ENTRIES="$WORK/entries.tsv"
: >"$ENTRIES"

# speak VOICE TEXT OUT: one sentence, resampled/normalised to the protocol format.
speak() {
  flite -voice "$1" -t "$2" -o "$WORK/raw.wav"
  sox -D "$WORK/raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$3"
}

# silence SECONDS OUT
silence() { sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$2" trim 0 "$1"; }

silence 0.1 "$WORK/edge.wav"

# utterance FILE VOICE TEXT: a short fixture with 0.1 s of silence at either end.
utterance() {
  speak "$2" "$3" "$WORK/speech.wav"
  sox -D "$WORK/edge.wav" "$WORK/speech.wav" "$WORK/edge.wav" "$FIXTURES/$1"
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$ENTRIES"
}

# passage FILE VOICE SENTENCE...: sentences joined by pauses cycling 0.6, 0.8, 1.0, 1.2 s.
PAUSES=(0.6 0.8 1.0 1.2)
passage() {
  local file=$1 voice=$2 i=0 text=""
  shift 2
  local parts=("$WORK/edge.wav")
  for sentence in "$@"; do
    if ((i > 0)); then
      silence "${PAUSES[$(((i - 1) % 4))]}" "$WORK/pause$i.wav"
      parts+=("$WORK/pause$i.wav")
    fi
    speak "$voice" "$sentence" "$WORK/sentence$i.wav"
    parts+=("$WORK/sentence$i.wav")
    text="${text:+$text }$sentence"
    i=$((i + 1))
  done
  parts+=("$WORK/edge.wav")
  sox -D "${parts[@]}" "$WORK/passage.wav"
  mv "$WORK/passage.wav" "$file"
  if [[ $file == "$FIXTURES"/* ]]; then printf '%s\t%s\t%s\n' "${file#"$FIXTURES"/}" "$voice" "$text" >>"$ENTRIES"; fi
  LAST_TEXT=$text
}

utterance short-01-rms.wav rms "Please call me back when you get home tonight."
utterance short-02-kal16.wav kal16 "The weather is nice today so we will walk to the park."
utterance short-03-awb.wav awb "I need to buy some milk and bread at the store."
utterance short-04-rms.wav rms "Can you send me the report before the meeting?"
utterance short-05-awb.wav awb "The train leaves at nine in the morning."
utterance short-06-rms.wav rms "Turn off the lights when you leave the room."
utterance short-07-kal16.wav kal16 "My phone battery is almost dead."
utterance short-08-awb.wav awb "Thank you very much for your help with the project."
utterance short-09-kal16.wav kal16 "Let me know if you have any questions."
utterance short-10-awb.wav awb "We should take the car because it is going to rain."

passage "$FIXTURES/long-01-rms.wav" rms \
  "Today we will talk about the new office." \
  "The move will happen next month." \
  "Please pack your desk before Friday." \
  "The new building has a large kitchen." \
  "There is also a place to park your bike." \
  "Let me know if you need any help with the move."
passage "$FIXTURES/long-02-kal16.wav" kal16 \
  "I went to the market this morning." \
  "They had fresh apples and oranges." \
  "I also bought some coffee and a loaf of bread." \
  "On the way home I met an old friend." \
  "We talked for a while about our families." \
  "Then it started to rain so I went home." \
  "All in all it was a good day."
passage "$FIXTURES/long-03-awb.wav" awb \
  "Thank you for calling the service desk." \
  "Your account has been updated." \
  "The new password will work in a few minutes." \
  "If you still have a problem please call us again." \
  "Our office is open from Monday to Friday." \
  "We are always happy to help." \
  "Have a nice day."

passage assets/sample.wav awb \
  "Hello and thank you for trying this program." \
  "Please speak clearly and take a short pause between sentences."
printf '%s\n' "$LAST_TEXT" >assets/sample.txt

# manifest.json: [{ file, text, voice, seconds }], seconds measured from the written file.
while IFS=$'\t' read -r file voice text; do
  printf '%s\t%s\t%s\t%s\n' "$file" "$voice" "$text" "$(soxi -D "$FIXTURES/$file")"
done <"$ENTRIES" | node -e '
  const lines = require("fs").readFileSync(0, "utf8").trim().split("\n");
  const entries = lines.map((line) => {
    const [file, voice, text, seconds] = line.split("\t");
    return { file, text, voice, seconds: Math.round(Number(seconds) * 100) / 100 };
  });
  process.stdout.write(JSON.stringify(entries, null, 2) + "\n");
' >"$FIXTURES/manifest.json"

# Check the promises the tests rely on: durations and the size budget.
node -e '
  const entries = require("./'"$FIXTURES"'/manifest.json");
  let failed = false;
  for (const e of entries) {
    const [min, max] = e.file.startsWith("long-") ? [20, 40] : [2, 10];
    const ok = e.seconds >= min && e.seconds <= max;
    failed ||= !ok;
    console.log(`${e.seconds.toFixed(2).padStart(6)} s  ${e.voice.padEnd(5)}  ${e.file}${ok ? "" : `  OUT OF RANGE ${min}-${max} s`}`);
  }
  if (failed) process.exit(1);
'
echo "sample: $(soxi -D assets/sample.wav) s"
bytes=$(du -cb "$FIXTURES" | tail -n 1 | cut -f1)
echo "fixtures: $bytes bytes"
if ((bytes >= 3000000)); then echo "make-fixtures: fixtures exceed 3 MB" >&2; exit 1; fi
