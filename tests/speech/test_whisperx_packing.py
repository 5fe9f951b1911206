"""WhisperX engine packing: the chunks of one track share 30 s windows and still come back one turn each.

The unit tests pin the layout and the piece-to-chunk rule; the ``asr`` test
runs tiny.en on a committed sample call, whose customer channel has three
replies separated by the agent's turns, and checks the replies come back as
separate segments at their scripted times although they were decoded in one
window.
"""

from __future__ import annotations

import json

import pytest

from workbench.paths import sample_dir
from workbench.speech.audio import load_recording, speaker_tracks
from workbench.speech.engines import get_engine
from workbench.speech.engines.whisperx_engine import PACK_GAP_SECONDS, assign_pieces, pack_chunks
from workbench.speech.metrics import word_error_rate

CALL = sample_dir() / "recordings" / "rec_en_001.wav"
TIME_TOLERANCE_SECONDS = 0.5


def test_pack_chunks_fills_windows_in_order_and_never_overflows():
    chunks = [{"start": s, "end": s + 7.5} for s in (0, 10, 20, 30, 40)] + [{"start": 50, "end": 82}]
    layout = pack_chunks(chunks, 30, 2)
    assert [[index for index, _ in window] for window in layout] == [[0, 1, 2], [3, 4], [5]]
    for window in layout:
        end = max(offset + chunks[index]["end"] - chunks[index]["start"] for index, offset in window)
        assert end <= 30 or len(window) == 1  # only a chunk longer than a window has one of its own
    assert layout[0] == [(0, 0.0), (1, 9.5), (2, 19.0)]  # 2 s of silence between chunks


def test_a_piece_reaching_a_second_into_the_next_chunk_stays_with_its_own():
    # tiny.en's timestamps come in whole seconds: the first reply "ends" at 9.0 though its chunk ends at 7.9.
    placed = [(0, 0.0, 3.6), (1, 5.6, 2.3), (2, 9.9, 2.2)]
    pieces = [{"start": 0.0, "end": 4.0, "text": "one"}, {"start": 4.0, "end": 9.0, "text": "two"},
              {"start": 10.0, "end": 12.0, "text": "three"}]  # fmt: skip
    assert assign_pieces(pieces, placed) == ({0: ["one"], 1: ["two"], 2: ["three"]}, set())


def test_a_piece_spanning_two_turns_sends_both_back_to_be_decoded_alone():
    placed = [(4, 0.0, 3.0), (5, 5.0, 3.0), (6, 10.0, 3.0)]
    pieces = [{"start": 0.0, "end": 8.0, "text": "one two"}, {"start": 10.0, "end": 13.0, "text": "three"}]
    assert assign_pieces(pieces, placed) == ({6: ["three"]}, {4, 5})


@pytest.mark.slow
@pytest.mark.asr
def test_turns_on_one_track_decoded_in_one_window_stay_separate_segments_at_their_times():
    pytest.importorskip("whisperx")
    script = json.loads(CALL.with_suffix(".json").read_text(encoding="utf-8"))
    replies = [s for s in script["segments"] if s["speaker"] == "customer"]
    assert len(replies) >= 2 and replies[1]["start"] - replies[0]["end"] > 2  # the agent speaks in between
    track = speaker_tracks(load_recording(CALL), "auto")["customer"]
    engine = get_engine("whisperx", language="en").load()
    windows: list[int] = []
    decode = engine._decode_windows

    def counting(batch, language, timestamps, *decoding):
        windows.extend(len(w) for w in batch if timestamps)
        return decode(batch, language, timestamps, *decoding)

    engine._decode_windows = counting
    segments = engine.transcribe(track, "en")
    assert len(windows) == 1 and engine.redecoded_chunks == 0  # all replies in one window, none decoded again
    assert len(windows) < len(replies)
    assert len(segments) == len(replies), segments
    for heard, said in zip(segments, replies):
        assert abs(heard["start_seconds"] - said["start"]) <= TIME_TOLERANCE_SECONDS, (heard, said)
        assert abs(heard["end_seconds"] - said["end"]) <= TIME_TOLERANCE_SECONDS, (heard, said)
        assert word_error_rate(said["text"], heard["text"]) < 0.3, (heard, said)
    assert PACK_GAP_SECONDS * (len(replies) - 1) + sum(r["end"] - r["start"] for r in replies) < 30
