"""Settings (environment prefix MEDUI_): database URL, data and model folders, device, dtype, serving engine.

Allowed folders: the app loads model folders only from `model_dirs` (its home, the models cache, the configured
default model, MEDUI_ALLOWED_DIRS), and exports are written only inside `export_dirs` (its home, the current
folder, the temporary folder, MEDUI_ALLOWED_DIRS). MEDUI_ALLOWED_DIRS lists folders separated by ':'.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DATA_DIR = REPO_ROOT / "assets" / "data"
SHIPPED_MODELS_DIR = REPO_ROOT / "assets" / "models"  # fine-tuned adapters shipped with medui
BASE_MODEL = "gemma-3-270m"
SHIPPED_DEFAULT = "gemma-3-270m-ft"  # the default model wherever it is shipped (fine-tuned on the 20 tasks)


def default_model_name() -> str:
    """The fine-tuned Gemma when its adapter is shipped, else the bundled base model."""
    return (
        SHIPPED_DEFAULT
        if (SHIPPED_MODELS_DIR / SHIPPED_DEFAULT / "adapter_config.json").exists()
        else BASE_MODEL
    )


class Settings(BaseSettings):
    """Embedded defaults: SQLite under db/, the bundled model, CPU unless CUDA is present."""

    model_config = SettingsConfigDict(env_prefix="MEDUI_")

    home: Path = REPO_ROOT / "db"
    database_url: str | None = None
    model: str = Field(default_factory=default_model_name)
    device: str = "auto"  # auto | cpu | cuda
    dtype: str = "auto"  # auto | float32 | bfloat16 | float16
    shared_data_dir: Path = REPO_ROOT.parent / "shared" / "data"
    models_cache: Path | None = None  # converted bundled models; default <home>/models
    allowed_dirs: str = ""  # more folders for model folders and exports, separated by os.pathsep
    allowed_hosts: str = ""  # more names the app answers to (Host header), separated by commas
    session_hours: float = 12.0  # a login lasts this long
    max_loaded_models: int = 3  # loading one more evicts the least recently used
    warmup: bool = (
        True  # at start, the app loads the default model and prepares common tasks (service/warmup.py)
    )
    openai_base_url: str | None = None  # an OpenAI-compatible server for openai:NAME models (.../v1)
    openai_concurrency: int = 8  # requests in flight to it, per model
    openai_timeout: float = 120.0  # seconds to wait for one answer
    openai_retries: int = 4  # more attempts after a connection error, 429 or 5xx (exponential back-off)
    # how cd reaches the server: json_schema (vLLM, llama.cpp's llama-server, OpenAI), grammar (GBNF written by
    # medui, for llama-cpp-python's server), auto (grammar when the server lists its models as llama-cpp-python)
    openai_constraint: str = "auto"
    # log-probabilities (the confidence of served predictions): on | off | auto (off for llama-cpp-python's
    # server, where they cost 13x the decoding time)
    openai_logprobs: str = "auto"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'medui.sqlite'}"

    @property
    def models_dir(self) -> Path:
        """Converted model folders (safetensors), made once from the bundled GGUF files."""
        return self.models_cache or self.home / "models"

    @property
    def adapters_dir(self) -> Path:
        return self.home / "adapters"

    @property
    def user_data_dir(self) -> Path:
        """Gold data a user imported, laid out like assets/data."""
        return self.home / "data"

    @property
    def extra_allowed_dirs(self) -> list[Path]:
        """The folders of MEDUI_ALLOWED_DIRS."""
        return [Path(p).expanduser() for p in self.allowed_dirs.split(os.pathsep) if p.strip()]

    @property
    def model_dirs(self) -> list[Path]:
        """Folders the app may load model folders and adapters from."""
        configured = Path(self.model).expanduser()
        default = [configured] if configured.is_dir() else []
        return [
            self.home,
            self.models_dir,
            self.adapters_dir,
            SHIPPED_MODELS_DIR,
            *default,
            *self.extra_allowed_dirs,
        ]

    @property
    def export_dirs(self) -> list[Path]:
        """Folders exports may be written in."""
        return [self.home, Path.cwd(), Path(tempfile.gettempdir()), *self.extra_allowed_dirs]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
