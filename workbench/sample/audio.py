"""Short synthetic stereo call recordings with their scripts, made with espeak-ng.

The committed files in ``data/sample/recordings/`` come from
:func:`synthesize_sample_recordings`: each is a 16 kHz, 16-bit PCM WAV with the
agent on the left channel and the customer on the right, as call-recording
systems store them, plus a ``<stem>.json`` script whose segment times are the
real positions of the speech in the audio. They let the transcription and
speech-analytics code be tested end to end without real customer audio.

espeak-ng's English voices are intelligible enough for a small Whisper model;
its Mandarin voice (``cmn-latn-pinyin``, fed pinyin with tone numbers) is
robotic, and Whisper transcribes it poorly, which is itself worth knowing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.errors import MissingComponentError

SAMPLE_RATE_HZ = 16_000
_ESPEAK_RATE_HZ = 22_050
# Anything quieter than this (about -50 dBFS) counts as silence when trimming
# espeak's leading and trailing pauses.
_SILENCE_AMPLITUDE = 100
# A faint noise floor, so the idle channel is quiet rather than digital zero,
# as on a real line; at about -70 dBFS it stays far below speech.
_NOISE_STD = 10.0


@dataclass(frozen=True)
class Line:
    """One turn of a script.

    Attributes:
        speaker: "agent" (left channel) or "customer" (right channel).
        text: what is said, as a transcript would show it.
        pinyin: for Mandarin, the pinyin (tone numbers) given to espeak-ng.
        gap_seconds: pause after the previous turn ends; negative for overtalk.
        speed_wpm: speaking rate for this line (callers read numbers slowly);
            the script's rate when None.
        pii: (pii_type, the personal data as it appears in ``text``), if any.
    """

    speaker: str
    text: str
    pinyin: str = ""
    gap_seconds: float = 0.5
    speed_wpm: int | None = None
    pii: tuple[str, str] | None = None


@dataclass(frozen=True)
class Script:
    """A whole recording: identifier, language, voices and lines, plus its known truth."""

    call_id: str
    language: str
    agent_voice: str
    customer_voice: str
    speed_wpm: int
    lines: tuple[Line, ...]
    disclosure_present: bool
    prohibited_phrase: str = ""
    topic_id: str = ""


SCRIPTS: tuple[Script, ...] = (
    Script(
        call_id="rec_en_001",
        language="en",
        agent_voice="en-us",
        customer_voice="en-gb",
        speed_wpm=150,
        topic_id="bill_dispute",
        disclosure_present=True,
        lines=(
            Line(
                "agent",
                "Thanks for calling Skybridge Telecom. "
                "This call may be recorded for quality and training purposes. How can I help?",
            ),
            Line("customer", "Hi. There is a charge on my statement that I do not recognize."),
            Line("agent", "I can help with that. What is the phone number on the account?"),
            Line(
                "customer",
                "It is four one five, five five five, zero one four two.",
                speed_wpm=130,
                pii=("spoken_digits_en", "four one five, five five five, zero one four two"),
            ),
            Line("agent", "Thank you. I will remove that charge today."),
        ),
    ),
    Script(
        call_id="rec_en_002",
        language="en",
        agent_voice="en-us",
        customer_voice="en-gb",
        speed_wpm=150,
        topic_id="internet_outage",
        disclosure_present=False,
        lines=(
            Line("agent", "Skybridge Telecom, this is Mike. What can I do for you?"),
            Line("customer", "My internet stopped working last night."),
            Line("agent", "I am sorry to hear that. Have you restarted the router?"),
            # The caller starts before the agent has finished: overtalk.
            Line("customer", "Yes, twice, and the light is still red.", gap_seconds=-0.6),
            Line("agent", "There is an outage in your area. It should be fixed by tonight."),
            Line("customer", "Okay, thank you."),
        ),
    ),
    Script(
        call_id="rec_en_003",
        language="en",
        agent_voice="en-us",
        customer_voice="en-gb",
        speed_wpm=150,
        topic_id="service_complaint",
        disclosure_present=True,
        prohibited_phrase="there's nothing i can do",
        lines=(
            Line("agent", "Hello, this call may be recorded for quality and training purposes. What can I do for you?"),
            Line("customer", "A technician was supposed to come on Monday and nobody showed up."),
            Line("agent", "Can I have your call back number please?"),
            Line(
                "customer",
                "Six one seven, five five five, zero one nine eight.",
                speed_wpm=130,
                pii=("spoken_digits_en", "Six one seven, five five five, zero one nine eight"),
            ),
            Line("agent", "We are fully booked this week. There's nothing I can do."),
            Line("customer", "That is not good enough."),
        ),
    ),
    Script(
        call_id="rec_zh_001",
        language="zh",
        agent_voice="cmn-latn-pinyin+f3",
        customer_voice="cmn-latn-pinyin+m3",
        speed_wpm=210,
        topic_id="payment_failed",
        disclosure_present=True,
        lines=(
            Line(
                "agent",
                "您好，云桥通信，本次通话可能会被录音。请问有什么可以帮您？",
                "nin2 hao3, yun2 qiao2 tong1 xin4, ben3 ci4 tong1 hua4 ke3 neng2 hui4 bei4 lu4 yin1. "
                "qing3 wen4 you3 shen2 me5 ke3 yi3 bang1 nin2?",
            ),
            Line(
                "customer",
                "喂，你好，我交话费一直显示失败。",
                "wei4, ni3 hao3, wo3 jiao1 hua4 fei4 yi4 zhi2 xian3 shi4 shi1 bai4.",
            ),
            Line("agent", "请问您的手机号码是多少？", "qing3 wen4 nin2 de5 shou3 ji1 hao4 ma3 shi4 duo1 shao3?"),
            Line(
                "customer",
                "幺五八，二一七三，六零四九。",
                "yao1 wu3 ba1, er4 yi1 qi1 san1, liu4 ling2 si4 jiu3.",
                pii=("spoken_digits_zh", "幺五八，二一七三，六零四九"),
            ),
            Line(
                "agent",
                "好的，款项会在二十四小时内到账。",
                "hao3 de5, kuan3 xiang4 hui4 zai4 er4 shi2 si4 xiao3 shi2 nei4 dao4 zhang4.",
            ),
            Line("customer", "好的，谢谢。", "hao3 de5, xie4 xie5."),
        ),
    ),
)


def _require_espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise MissingComponentError(
            "espeak-ng was not found on PATH; it synthesizes the sample recordings. "
            "Install it with `apt-get install espeak-ng` (Debian/Ubuntu) or `brew install espeak-ng` (macOS)."
        )
    return exe


def _speak(exe: str, text: str, voice: str, speed_wpm: int) -> np.ndarray:
    """espeak-ng speech for ``text`` as float samples at 16 kHz, silence trimmed."""
    from scipy.signal import resample_poly

    result = subprocess.run(
        [exe, "-v", voice, "-s", str(speed_wpm), "--stdout", text],
        check=True,
        capture_output=True,
    )
    raw = result.stdout
    # espeak-ng streams a WAV whose header sizes are placeholders, so read the
    # PCM after the "data" chunk header instead of trusting the header.
    start = raw.index(b"data") + 8
    samples = np.frombuffer(raw[start : start + (len(raw) - start) // 2 * 2], dtype="<i2").astype(np.float64)
    voiced = np.flatnonzero(np.abs(samples) > _SILENCE_AMPLITUDE)
    if voiced.size == 0:
        raise MissingComponentError(
            f"espeak-ng voice {voice!r} produced no audio for {text!r}; is the voice installed?"
        )
    samples = samples[voiced[0] : voiced[-1] + 1]
    return resample_poly(samples, 320, 441)  # 22050 Hz -> 16000 Hz


def _write_wav(path: Path, *channels: np.ndarray, rate_hz: int = SAMPLE_RATE_HZ) -> None:
    """Channels in 16-bit units (full scale 32768) as a PCM WAV, rounded and clipped."""
    frames = np.stack(channels, axis=1)
    pcm = np.clip(np.round(frames), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(len(channels))
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        wav.writeframes(pcm.tobytes())


def render_script(script: Script, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Synthesize a script into left (agent) and right (customer) channels.

    Returns:
        The two channels as float arrays of 16-bit sample values and the
        segments (speaker, start, end in seconds, text[, text_pinyin]).

    Raises:
        MissingComponentError: espeak-ng is not installed.
    """
    exe = _require_espeak()
    clips = []
    for line in script.lines:
        voice = script.agent_voice if line.speaker == "agent" else script.customer_voice
        spoken = line.pinyin if script.language == "zh" else line.text
        clips.append(_speak(exe, spoken, voice, line.speed_wpm or script.speed_wpm))
    lead = int(0.4 * SAMPLE_RATE_HZ)
    starts, t = [], lead
    for line, clip in zip(script.lines, clips):
        start = lead if not starts else max(starts[-1] + 1, t + int(line.gap_seconds * SAMPLE_RATE_HZ))
        starts.append(start)
        t = max(t, start + clip.size)
    total = t + int(0.5 * SAMPLE_RATE_HZ)
    channels = {"agent": np.zeros(total), "customer": np.zeros(total)}
    segments = []
    for line, clip, start in zip(script.lines, clips, starts):
        channels[line.speaker][start : start + clip.size] += clip
        segment = {
            "speaker": line.speaker,
            "start": round(start / SAMPLE_RATE_HZ, 3),
            "end": round((start + clip.size) / SAMPLE_RATE_HZ, 3),
            "text": line.text,
        }
        if script.language == "zh":
            segment["text_pinyin"] = line.pinyin
        if line.pii is not None:
            pii_type, value = line.pii
            char_start = line.text.index(value)
            segment["pii"] = [
                {"pii_type": pii_type, "char_start": char_start, "char_end": char_start + len(value), "text": value}
            ]
        segments.append(segment)
    left = channels["agent"] + rng.normal(0.0, _NOISE_STD, total)
    right = channels["customer"] + rng.normal(0.0, _NOISE_STD, total)
    return left, right, segments


def synthesize_sample_recordings(out_dir: Path, seed: int = 7) -> list[Path]:
    """Write the sample stereo recordings and their JSON scripts into ``out_dir``.

    Each recording ``<call_id>.wav`` is 16 kHz 16-bit PCM stereo, agent on the
    left channel and customer on the right, each channel quiet while the
    other speaks (one recording has a short overtalk). Beside it,
    ``<call_id>.json`` holds ``call_id``, ``language``, ``topic_id``,
    ``channels``, ``voice``, ``disclosure_present``, ``prohibited_phrase``
    and ``segments`` (speaker, start, end in seconds of the audio, text; for
    Mandarin also ``text_pinyin``, the input given to espeak-ng; where the
    caller gives personal data, ``pii`` with pii_type, char_start, char_end
    and text, located in ``text``).

    Args:
        out_dir: folder to write into (created when missing).
        seed: seed of the faint noise floor; the speech itself is deterministic
            for a given espeak-ng version.

    Returns:
        Paths of the WAV files written, in script order.

    Raises:
        MissingComponentError: espeak-ng is not installed (the message says how to install it).
    """
    exe = _require_espeak()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    banner = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    # Keep the version only: the banner also names a local data folder.
    found = re.search(r"text-to-speech: (\S+)", banner)
    version = f"espeak-ng {found.group(1) if found else 'unknown'}"
    written = []
    for script in SCRIPTS:
        left, right, segments = render_script(script, rng)
        wav_path = out_dir / f"{script.call_id}.wav"
        _write_wav(wav_path, left, right)
        meta = {
            "call_id": script.call_id,
            "language": script.language,
            "topic_id": script.topic_id,
            "sample_rate_hz": SAMPLE_RATE_HZ,
            "channels": {"left": "agent", "right": "customer"},
            "voice": {
                "engine": version,
                "agent": script.agent_voice,
                "customer": script.customer_voice,
                "speed_wpm": script.speed_wpm,
            },
            "disclosure_present": script.disclosure_present,
            "prohibited_phrase": script.prohibited_phrase,
            "duration_seconds": round(left.size / SAMPLE_RATE_HZ, 3),
            "segments": segments,
        }
        json_path = wav_path.with_suffix(".json")
        json_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(wav_path)
    return written


def mix_to_mono(channels: tuple[np.ndarray, ...] | list[np.ndarray]) -> np.ndarray:
    """The channels of a call summed into one float32 track, as a mono recorder hears the call.

    Scaled down only when the sum would clip (peak above 1.0), so quiet lines keep their level.
    """
    track = np.sum(np.stack([np.asarray(c, dtype=np.float32) for c in channels]), axis=0, dtype=np.float32)
    peak = float(np.max(np.abs(track))) if track.size else 0.0
    return track / peak if peak > 1.0 else track


def write_mono_mix(stereo_path: str | Path, out_dir: str | Path) -> Path:
    """Write ``<out_dir>/<stem>_mono.wav``: a stereo recording mixed to one 16 kHz channel (:func:`mix_to_mono`).

    The sample centre's "mono recorder" case: both parties on one track, for diarization and roles
    to find again (the demo transcribes one).
    """
    with wave.open(str(stereo_path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{stereo_path}: expected 16-bit PCM WAV like the sample recordings")
        rate, count = wav.getframerate(), wav.getnchannels()
        frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, count) / 32768.0
    track = mix_to_mono([frames[:, channel] for channel in range(count)])
    target = Path(out_dir) / f"{Path(stereo_path).stem}_mono.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_wav(target, track * 32768, rate_hz=rate)
    return target
