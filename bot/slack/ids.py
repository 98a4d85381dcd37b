"""Every action id the bot puts on a button or menu, and the shortcut it answers, in one place
(as Dispatch's ``incident/enums.py`` does). Message builders and listeners both use these, so an
id cannot drift between the two.

Several buttons of one kind can sit in one message, and Slack wants action ids unique within
it: those carry a suffix (``answer:yes``, ``show_entry:2``), made by ``at`` and matched by
``pattern``.
"""

from __future__ import annotations

import re
from enum import StrEnum


class ActionId(StrEnum):
    ANSWER = "answer"  # a choice button: answer:<choice>
    ANSWER_MANY = "answer_many"  # "Done" under a multi-select
    ANSWER_PICK = "answer_pick"  # a single select of presets
    PICK = "pick"  # the multi-select itself (pick:<question>); read when "Done" is pressed
    CHANGE = "change"
    START_OVER = "start_over"
    POST_RECORD = "post_record"
    SHARE_SUMMARY = "share_summary"
    SHOW_ENTRY = "show_entry"  # show_entry:<n>
    MORE = "more"
    FEEDBACK = "feedback"  # the feedback_buttons element (feedback:up/down: earlier buttons)
    HOME_START = "home_start"
    HOME_PITFALLS = "home_pitfalls"
    ANSWER_FORM = "answer_form"  # "Answer all in a form" under a question
    FIELD = "field"  # the one input of each block of a form (the block id names the field)

    def at(self, suffix: object) -> str:
        """This action's id for one of several buttons of its kind in a message."""
        return f"{self.value}:{suffix}"

    def pattern(self) -> re.Pattern[str]:
        """Matches this id with or without a suffix, for ``app.action``."""
        return re.compile(rf"^{re.escape(self.value)}(:.+)?$")


class ViewId(StrEnum):
    """The callback id of each modal, which its submission comes back with."""

    DECISION_FORM = "decision_form"  # every remaining question of a decision
    START_DECISION = "start_decision"  # App Home: the channel to start a decision in


#: The message shortcut "Scan for mesh pitfalls" (its callback id in the app manifest).
SCAN_SHORTCUT = "scan_message"
#: The one slash command.
COMMAND = "/mesh"
