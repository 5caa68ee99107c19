"""System prompts, one file per agent, and the task message template."""

from prompts.loader import PromptNotFoundError, available_prompts, load_prompt

__all__ = ["PromptNotFoundError", "available_prompts", "load_prompt"]
