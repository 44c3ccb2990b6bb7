"""The composition root: settings -> engine -> store -> services, built once and passed down."""

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from encore import (
    accounts,
    audit,
    billing,
    catalog,
    discovery,
    history,
    insights,
    keys,
    labels,
    library,
    playback,
    portability,
)
from encore.config import Settings, load_settings
from encore.db import Lanes, Upgrade, create_db_engine, lanes_for, make_sessionmaker, transaction, upgrade_to_head
from encore.jobs import JobEngine, make_huey
from encore.kernel import Clock, SystemClock
from encore.oauth import AppRates
from encore.playback import AdClockBook, StreamVerifier, play_key_secret
from encore.state import SharedState, Slots, open_state
from encore.storage import DATA_DIR, MediaStore, made_dir, made_file
from encore.streaming import TranscodeSlots

log = logging.getLogger(__name__)

ANYIO_DEFAULT_THREADS = 40  # AnyIO's default thread limiter: Starlette runs sync routes and bodies there


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: MediaStore
    # What every request, worker and node must agree on: in memory (one process) or Redis.
    state: SharedState
    # Built on `state`, so their limits hold across workers and nodes.
    transcodes: TranscodeSlots  # Subsonic's on-the-fly MP3 transcodes at once
    uploads: Slots  # request bodies each account may be sending at once (key `uploads:<user id>`)
    app_rates: AppRates  # /v1 request windows per developer app
    login_throttle: accounts.LoginThrottle  # log-in attempts per (account, client) and per client; sign-ups
    stream_cutoffs: accounts.StreamCutoffs  # sign-outs the byte path honours at once (stream URLs' `g`)
    audit_gate: audit.FloodGate  # one audit row per client per window for throttled log-ins
    jobs: JobEngine
    cards: insights.CardCache  # rendered Wrapped cards on disk (a derived cache the node's workers share)
    keyring: keys.KeyringCache  # which signing/encryption keys count, as the database said at most 30 s ago
    lanes: Lanes  # threads that may hold a pooled connection at once: hot reads (the pool's size), writes apart
    # Free listeners' ad clocks and open plays, on `state` (written behind to the database).
    ad_clocks: AdClockBook
    # What the byte path sent of each listener's play, until it is a verified stream (on `state`).
    verifier: StreamVerifier
    # What this process keeps of the catalogue (views, search sets), dropped when the catalogue changes.
    catalogue_cache: catalog.CatalogueCache
    # Verified streams whose write failed, kept until the minutely drain writes them (`build` picks where)
    verified_outbox: playback.VerifiedOutbox
    # (no defaults above: `build` makes each on this container's `state`, or the node's spool, never on a private
    # in-memory state no other part of the process shares)
    clock: Clock = field(default_factory=SystemClock)
    # Listens submitted together (ListenBrainz) share one write transaction: one writer thread per process.
    listen_writer: history.ListenWriter | None = None

    def migrate(self, *, upgrade_older: bool = True) -> Upgrade:
        """Schema to head; then, when many docs are not in the search index yet (a database from before the
        index, or rows written in bulk), build it (`encore search rebuild` does the same on demand).
        `upgrade_older=False`: an older database is refused (`db.SchemaOlder`), only an empty one created."""
        done = upgrade_to_head(self.engine, upgrade_older=upgrade_older)
        with transaction(self.sessions) as session:
            if catalog.search_index_due(session):
                catalog.rebuild_search_index(session, popularity=library.popularity)
        return done

    def rebuild_search(self) -> catalog.BuildStats:
        with transaction(self.sessions) as session:
            return catalog.rebuild_search_index(session, popularity=library.popularity)

    def close(self) -> None:
        if self.listen_writer is not None:
            self.listen_writer.close()
        self.state.close()
        self.engine.dispose()


def _announce_catalogue_changes(sessions: sessionmaker[Session], state: SharedState) -> None:
    """After a commit that changed the catalogue, every worker and node drops what it cached of it at once
    (catalog._cache also reads the database's version row, for writers that share no state with it)."""

    def committed(session: Session) -> None:
        if catalog.changed_in(session):
            state.bump(catalog.STATE_KEY)

    def rolled_back(session: Session) -> None:
        catalog.changed_in(session)

    event.listen(sessions, "before_flush", lambda session, _ctx, _instances: catalog.touched(session))
    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_rollback", rolled_back)


def _private_parts(settings: Settings) -> None:
    """The data directory and what in it is nobody else's, made owner-only whatever the umask (probe25b M3): the
    database (password hashes, sessions, the audit log, everyone's listening), the job queue, the jobs' files
    (history imports, data exports), the outbox spool (plays) and the Wrapped cards. `media/` keeps the umask's
    mode: nginx's workers read it (docs/deploy.md)."""
    data = settings.data_dir
    made_dir(data, DATA_DIR)
    if not settings.database_url:
        made_file(data / "encore.db")
    if not settings.redis_url:
        made_file(data / "jobs.sqlite3")
    for private in ("jobs", "outbox", "cache"):
        made_dir(data / private)


def build(settings: Settings | None = None, *, clock: Clock | None = None, **overrides: Any) -> Container:
    settings = settings or load_settings(**overrides)
    _private_parts(settings)
    engine = create_db_engine(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        pool_overflow=settings.db_pool_overflow,
        pool_timeout_s=settings.db_pool_timeout_s,
    )
    store = MediaStore(settings.media_dir)
    store.ensure()
    lanes = lanes_for(engine)
    # Threads that may move shared state at once, so none waits for a connection: the sync handlers and
    # streamed bodies on AnyIO's default thread limiter (plain `def` routes, transcodes' generators), the
    # request lanes (hot reads, writes) and the job workers
    threads = (
        ANYIO_DEFAULT_THREADS
        + int(lanes.reads.total_tokens + lanes.writes.total_tokens)
        + settings.max_transcodes
        + settings.jobs_in_process
    )
    state = open_state(settings.redis_url, prefix=settings.redis_prefix, thread_connections=threads)
    sessions = make_sessionmaker(engine)
    cache = catalog.CatalogueCache(state)
    # Catalogue reads find the cache (catalog.cache_for); accounts hash with the settings' parameters.
    sessions.configure(info={catalog.CACHE_SESSION_KEY: cache, accounts.PASSWORDS_SESSION_KEY: _passwords(settings)})
    _announce_catalogue_changes(sessions, state)
    clock = clock or SystemClock()
    outbox = _verified_outbox(settings, state)
    return Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        store=store,
        state=state,
        transcodes=TranscodeSlots(state, settings.max_transcodes),
        uploads=_upload_slots(settings, state),
        app_rates=AppRates(state),
        login_throttle=accounts.LoginThrottle(state, _throttle_limits(settings)),
        stream_cutoffs=_stream_cutoffs(settings, state, sessions, clock),
        audit_gate=audit.FloodGate(state),
        jobs=_jobs(settings, sessions, clock, state, outbox),
        cards=insights.CardCache(settings.data_dir / "cache" / "cards"),
        keyring=keys.KeyringCache(sessions),
        clock=clock,
        ad_clocks=AdClockBook(state, url_ttl_s=settings.stream_url_ttl_s, clock=clock),
        verifier=StreamVerifier(state, secret=play_key_secret(settings.secret_key.get_secret_value())),
        catalogue_cache=cache,
        listen_writer=history.ListenWriter(sessions),
        verified_outbox=outbox,
        lanes=lanes,
    )


def _verified_outbox(settings: Settings, state: SharedState) -> playback.VerifiedOutbox:
    """With Redis, on the shared state (the drain runs on any worker or node), and in this node's spool when the
    state cannot keep a record (Redis away too); else the spool alone. A spool lives under the data dir, outlasts
    the process and is read by whichever process on this node runs the jobs."""
    spool = playback.SpoolOutbox(settings.data_dir / "outbox" / "verified")
    if settings.redis_url:
        return playback.SharedOutbox(playback.StateOutbox(state), spool)
    return spool


def write_verified(sessions: sessionmaker[Session], verified: playback.Verified, *, clock: Clock | None = None) -> bool:
    """Write a verified stream in a transaction of its own; False: refused for good. The one rule of which stream is
    written and under whose name, for the byte path's live write and the outbox's drain alike (review23m M1-M3;
    review24s H2: the live write once skipped the last two, so a play verified after its listener forgot the range
    holding its first byte named them):
    - Paid only as `playback.paid_play` says. The live write verifies now; a drained record verified about when it
      was kept (`Verified.kept_at`, review24m F4): a record kept for days in a node's spool, of a track withdrawn
      since, is judged by the status when it was kept, as the edge reader judges a log line. A record kept with
      no time (by the release before) is judged by the status now; logged with the reason when not paid.
    - Not into a month whose royalty statement is closed, as the edge log's reader refuses (review21 F3): the
      label's chart would show a stream no statement pays. Logged, since cron hears of the edge reader's. Asked in
      the write's own transaction, under the money lock when the record's month has ended (`labels.closed_for_write`,
      review25m F3: a close between the check and the write left the row in no statement). `clock`: now's.
    - Written de-identified when the listener has since forgotten a range holding it.
    - Not written, and logged, when the listener's account was erased before a drain (review24m F4): without the
      listener the AT_ONCE rule cannot be applied (their other streams no longer name them), so a de-identified
      write could pay a play the live write would have refused."""
    with transaction(sessions) as session:
        if labels.closed_for_write(session, verified.first_byte_at, now=(clock or SystemClock()).now()):
            log.warning(
                "a verified stream of %s was not written: that month's royalty statement is closed (play %s)",
                f"{verified.first_byte_at:%Y-%m}",
                verified.play_key[:12],
            )
            return False
        written = playback.write_verified_stream(session, verified=verified, verified_at=verified.kept_at)
        if not written.written:
            if written.reason == "unknown_listener_or_track":  # erased (or the track purged) before a drain
                said = "a verified stream was not written: its listener's account or its track is gone (play %s)"
                log.warning(said, verified.play_key[:12])
            elif written.reason != "repeat_or_at_once":
                said = "a verified stream was not written: %s (play %s)"
                log.warning(said, written.reason, verified.play_key[:12])
            return False
        portability.forgotten_kept_stream(session, verified=verified)
        return True


def _stream_cutoffs(
    settings: Settings, state: SharedState, sessions: sessionmaker[Session], clock: Clock
) -> accounts.StreamCutoffs:
    """Without Redis no other process shares `state`: the byte path also reads the cutoffs the CLI (or any
    other process) wrote to the database, at most once a second (accounts._epochs)."""
    log = None if settings.redis_url else accounts.CutoffLog(sessions)
    return accounts.StreamCutoffs(state, ttl_s=settings.stream_url_ttl_s, clock=clock, log=log)


def _upload_slots(settings: Settings, state: SharedState) -> Slots:
    """A slot is renewed as the body's bytes arrive, and a body that stalls is cut off after the idle timeout
    (`web._body_limit`): a lease of several idle timeouts lapses only for a worker that died holding it."""
    lease_s = max(120.0, 4 * settings.body_idle_timeout_s)
    return Slots(state, limit=settings.uploads_per_account, lease_s=lease_s)


def _passwords(settings: Settings) -> accounts.Passwords:
    return accounts.Passwords(
        accounts.HashParams(
            time_cost=settings.password_hash_time_cost,
            memory_kib=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        )
    )


def _throttle_limits(settings: Settings) -> accounts.ThrottleLimits:
    return accounts.ThrottleLimits(
        free_attempts=settings.login_attempts_per_account,
        per_client=settings.login_attempts_per_client,
        window_s=settings.login_window_s,
        signups_per_client=settings.signups_per_client_per_hour,
    )


def _jobs(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Clock,
    state: SharedState,
    outbox: playback.VerifiedOutbox,
) -> JobEngine:
    """Every kind of background job, registered here: a capability offers `HANDLERS` {kind: handler} (and
    portability the kinds no listener is shown, `UNLISTED`)."""
    huey = make_huey(redis_url=settings.redis_url, prefix=settings.redis_prefix, data_dir=settings.data_dir)
    engine = JobEngine(huey=huey, sessions=sessions, clock=clock, files_root=settings.data_dir / "jobs", state=state)
    for handlers in (portability.HANDLERS, discovery.HANDLERS, history.HANDLERS, playback.HANDLERS):
        for kind, handler in handlers.items():
            engine.register(kind, handler, listed=kind not in portability.UNLISTED)
    engine.register(portability.ERASE, portability.erase_handler(partial(billing.stripe_provider, settings)))
    engine.every_day(playback.REKEY, key=playback.REKEY_KEY, hour=2)  # forgotten streams past the outbox's life
    engine.every_day(history.MATCH, key="all", hour=3)  # text listens to tracks published since (a catch-all)
    engine.every_day(discovery.TRAIN, key=discovery.TRAINING_KEY, hour=4)  # neighbours from the day's listening
    for key, payload in discovery.daily_parts():  # mixes from the fresh neighbours, in parts for many workers
        engine.every_day(discovery.MIXES, key=key, hour=5, payload=payload)
    engine.every_minute("wrapped.fold", partial(insights.fold_everyone, sessions), state=state)  # marked months
    resume = partial(portability.resume_erasures, sessions, engine, clock.now)
    engine.every_minute("accounts.resume_erasures", resume, state=state)  # deleted accounts whose job failed
    drain = partial(outbox.drain, partial(write_verified, sessions, clock=clock))
    engine.every_minute("playback.verified_outbox", drain, state=state)  # verified streams whose write failed
    if isinstance(outbox, playback.SharedOutbox):  # and those this node's spool kept while Redis was away too
        engine.every_minute_here(
            "playback.verified_spool", partial(outbox.drain_here, partial(write_verified, sessions, clock=clock))
        )
    return engine
