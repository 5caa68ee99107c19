"""Explain this trade: a grounded chat over the stored record of an idea or a decision.

Every front door (page, REST, CLI) goes through ExplainService. A question is stored first, then
answered by the explainer over a freshly loaded record; the answer is stored with the tools it
rests on and the numbers the record does not hold. Only explain_messages rows are ever written:
the explainer's tools cannot write, and what-if results are never recorded.
"""

import asyncio
import json
from dataclasses import asdict, dataclass
from typing import Any, cast

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agents.explainer import ChunkCallback, ExplainerAnswer, Turn, explain
from agents.models import ModelConfig
from orchestrator.errors import InvalidInput, NotFound
from orchestrator.explain_numbers import KnownNumbers, numbers_in, unmatched_numbers
from orchestrator.explain_record import ExplainRecord, Subject, load_record
from orchestrator.explain_tools import RecordTools
from orchestrator.settings import Settings
from orchestrator.what_if import WhatIfResult
from store.db import session_scope
from store.models import DecisionRow, ExplainMessageRow, TradeIdeaRow

MAX_QUESTION_CHARS = 1000
USER, ASSISTANT = "user", "assistant"


@dataclass(frozen=True)
class ChatTurn:
    question: ExplainMessageRow
    answer: ExplainMessageRow | None
    pending: bool  # the thread's last question, still waiting for its answer


def clean_question(text: str) -> str:
    question = " ".join(text.split())
    if not question or len(question) > MAX_QUESTION_CHARS:
        raise InvalidInput(f"a question is 1-{MAX_QUESTION_CHARS} characters")
    return question


def _thread(session: Session, conversation: str) -> list[ExplainMessageRow]:
    query = select(ExplainMessageRow).where(ExplainMessageRow.conversation == conversation)
    return list(session.exec(query.order_by(col(ExplainMessageRow.id))))


def _require(session: Session, subject: Subject) -> None:
    if subject.idea_id is not None and session.get(TradeIdeaRow, subject.idea_id) is None:
        raise NotFound(f"idea {subject.idea_id} does not exist", {"idea_id": subject.idea_id})
    if subject.decision_id is not None and session.get(DecisionRow, subject.decision_id) is None:
        raise NotFound(
            f"decision {subject.decision_id} does not exist", {"decision_id": subject.decision_id}
        )


def pair_turns(messages: list[ExplainMessageRow]) -> list[ChatTurn]:
    """Each question with the message after it when that is its answer."""
    turns = []
    for index, message in enumerate(messages):
        if message.role != USER:
            continue
        following = messages[index + 1] if index + 1 < len(messages) else None
        answer = following if following is not None and following.role == ASSISTANT else None
        turns.append(ChatTurn(message, answer, pending=following is None))
    return turns


def _sources(answer: ExplainerAnswer) -> list[dict[str, Any]]:
    def parsed(text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text

    return [{**asdict(s), "result": parsed(s.result)} for s in answer.sources]


class ExplainService:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.config = settings.llm or ModelConfig()
        self.max_seconds = settings.budget_max_seconds

    @property
    def streams(self) -> bool:
        """Whether answers arrive piece by piece (an LLM); the offline model answers at once."""
        return not self.config.is_offline

    def record(self, subject: Subject) -> ExplainRecord:
        with session_scope(self.engine) as session:
            return load_record(session, subject)

    def turns(self, subject: Subject, name: str | None = None) -> list[ChatTurn]:
        """The thread's questions with their answers; NotFound when the subject is unknown."""
        with session_scope(self.engine) as session:
            _require(session, subject)
            return pair_turns(_thread(session, subject.conversation(name)))

    def post_question(
        self, subject: Subject, question: str, name: str | None = None
    ) -> ExplainMessageRow:
        """Store a question (answer it with `answer`); NotFound when the subject is unknown."""
        text = clean_question(question)
        conversation = subject.conversation(name)
        with session_scope(self.engine) as session:
            if subject.idea_id is not None and session.get(TradeIdeaRow, subject.idea_id) is None:
                raise NotFound(f"idea {subject.idea_id} does not exist")
            if subject.decision_id is not None and not session.get(
                DecisionRow, subject.decision_id
            ):
                raise NotFound(f"decision {subject.decision_id} does not exist")
            row = ExplainMessageRow(
                idea_id=subject.idea_id,
                decision_id=subject.decision_id,
                conversation=conversation,
                role=USER,
                content=text,
            )
            session.add(row)
            session.flush()
            return row

    def _question(
        self, question_id: int
    ) -> tuple[ExplainMessageRow, list[Turn], ExplainMessageRow | None]:
        """(question, the turns before it, its answer if it has one)."""
        with session_scope(self.engine) as session:
            question = session.get(ExplainMessageRow, question_id)
            if question is None or question.role != USER:
                raise NotFound(f"question {question_id} does not exist")
            thread = _thread(session, question.conversation)
        at = next(i for i, m in enumerate(thread) if m.id == question_id)
        history = [cast(Turn, (m.role, m.content)) for m in thread[:at]]
        later = thread[at + 1] if at + 1 < len(thread) else None
        if later is not None and later.role == USER:
            raise InvalidInput(f"question {question_id} was replaced by a later question")
        return question, history, later

    async def answer(
        self, question_id: int, on_chunk: ChunkCallback | None = None
    ) -> ExplainMessageRow:
        """Answer a stored question once: asking again returns the stored answer."""
        question, history, answered = await asyncio.to_thread(self._question, question_id)
        if answered is not None:
            return answered
        subject = Subject(idea_id=question.idea_id, decision_id=question.decision_id)
        tools = RecordTools(await asyncio.to_thread(self.record, subject))
        result = await explain(
            question.content,
            history=history,
            tools=tools,
            config=self.config,
            on_chunk=on_chunk,
            max_seconds=self.max_seconds,
        )
        sources = _sources(result)
        asked = [text for role, text in history if role == USER] + [question.content]
        known = KnownNumbers(numbers_in([tools.everything(), sources, asked]))
        flagged = [span.as_json() for span in unmatched_numbers(result.text, known)]
        note = f"\n\n(The configured model failed: {result.error}.)" if result.error else ""
        row = ExplainMessageRow(
            idea_id=question.idea_id,
            decision_id=question.decision_id,
            conversation=question.conversation,
            role=ASSISTANT,
            content=result.text + note,  # the note comes after every flagged offset
            sources=sources,
            unmatched_numbers=flagged,
            model=result.model,
        )
        return await asyncio.to_thread(self._save_answer, question_id, row)

    def _save_answer(self, question_id: int, row: ExplainMessageRow) -> ExplainMessageRow:
        with session_scope(self.engine) as session:
            thread = _thread(session, row.conversation)
            if thread[-1].id != question_id:  # answered (or replaced) while the model worked
                raise InvalidInput(f"question {question_id} was answered meanwhile")
            session.add(row)
            session.flush()
            return row

    async def ask(
        self,
        subject: Subject,
        question: str,
        name: str | None = None,
        on_chunk: ChunkCallback | None = None,
    ) -> ChatTurn:
        asked = await asyncio.to_thread(self.post_question, subject, question, name)
        assert asked.id is not None
        answer = await self.answer(asked.id, on_chunk)
        return ChatTurn(asked, answer, pending=False)

    def what_if(self, subject: Subject, parameter: str, value: str | float) -> WhatIfResult:
        """The gate on the subject's snapshot with one parameter changed; records nothing."""
        return RecordTools(self.record(subject)).what_if_result(parameter, value)
