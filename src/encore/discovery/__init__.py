"""Discovery: a recommender learnt from listening (item-to-item co-listening) blended with catalogue
similarity, trained by a job into neighbour tables that every answer reads; private by construction
(no pair from fewer than 5 distinct listeners, opt-out, and an export of what was derived from you)."""

from encore.discovery._answers import playable, popular_in_genres, similar_songs, top_songs
from encore.discovery._build import NEIGHBOURS, TrainStats, train
from encore.discovery._for_apps import Recommendations, Seed, recommend, related_artists
from encore.discovery._hot import face_kept
from encore.discovery._jobs import HANDLERS, TRAIN, TRAINING_KEY, run_training, submit_training
from encore.discovery._mix_jobs import MIXES, MIXES_KEY, build_all, daily_parts, due_kinds
from encore.discovery._mix_models import Mix
from encore.discovery._mix_policy import KINDS as MIX_KINDS
from encore.discovery._mix_policy import Cluster, cluster_artists, due, interleave, round_robin
from encore.discovery._mix_reads import MixView, Saved, mix, my_mixes, save_mix
from encore.discovery._mix_shared import Shared
from encore.discovery._mixes import Built, build_mixes, forget_mixes
from encore.discovery._models import ArtistNeighbour, DiscoveryPreference, TrackNeighbour, TrainingContributor
from encore.discovery._policy import MAX_SEEDS, Decision, may_derive, may_learn_from, seed_count
from encore.discovery._radio import KINDS as RADIO_KINDS
from encore.discovery._radio import next_tracks, queue_track_ids, radio_seeds
from encore.discovery._service import (
    Preferences,
    derived_from,
    preferences,
    related_artist_ids,
    set_preferences,
    similar_track_ids,
)
from encore.library import MIN_LISTENERS

__all__ = [
    "HANDLERS",
    "MAX_SEEDS",
    "MIN_LISTENERS",
    "MIXES",
    "MIXES_KEY",
    "MIX_KINDS",
    "NEIGHBOURS",
    "RADIO_KINDS",
    "TRAIN",
    "TRAINING_KEY",
    "ArtistNeighbour",
    "Built",
    "Cluster",
    "Decision",
    "DiscoveryPreference",
    "Mix",
    "MixView",
    "Preferences",
    "Recommendations",
    "Saved",
    "Seed",
    "Shared",
    "TrackNeighbour",
    "TrainStats",
    "TrainingContributor",
    "build_all",
    "build_mixes",
    "cluster_artists",
    "daily_parts",
    "derived_from",
    "due",
    "due_kinds",
    "face_kept",
    "forget_mixes",
    "interleave",
    "may_derive",
    "may_learn_from",
    "mix",
    "my_mixes",
    "next_tracks",
    "playable",
    "popular_in_genres",
    "preferences",
    "queue_track_ids",
    "radio_seeds",
    "recommend",
    "related_artist_ids",
    "related_artists",
    "round_robin",
    "run_training",
    "save_mix",
    "seed_count",
    "set_preferences",
    "similar_songs",
    "similar_track_ids",
    "submit_training",
    "top_songs",
    "train",
]
