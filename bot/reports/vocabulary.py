"""The words of a report: categories, subjects, places, outcomes and the reviewer roles."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "harassment": "Cyberbullying or harassment of staff",
    "pupil_contact": "Contact or friend request from a pupil",
    "staff_post": "Inappropriate post by a member of staff",
    "safeguarding": "A child's safety (safeguarding)",
    "data_leak": "Confidential information or personal data leaked",
    "reputation": "Damage to the school's reputation",
    "indecent_image": "Indecent image of a child",
    "other": "Other",
    "triage": "To triage",  # one-line /report TEXT; not offered in the flow
    "question": "Question the policies do not answer",  # "Ask the Head Teacher"; not in the flow
}
FLOW_CATEGORIES = [key for key in CATEGORIES if key not in ("triage", "question")]
INDECENT_IMAGE = "indecent_image"
URGENT_CATEGORIES = frozenset({"indecent_image", "safeguarding"})

SUBJECTS: dict[str, str] = {
    "pupil": "A pupil",
    "parent": "A parent/carer",
    "staff": "A member of staff",
    "head_teacher": "The Head Teacher",
    "public": "A member of the public",
    "unknown": "Unknown",
}

PLACES: dict[str, str] = {
    "school_trip": "On a school trip",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "snapchat": "Snapchat",
    "tiktok": "TikTok",
    "whatsapp": "WhatsApp",
    "other": "Other (type it)",
}

OUTCOMES: dict[str, str] = {
    "nfa": "No further action",
    "informal": "Dealt with informally",
    "behaviour": "Pupil behaviour policy",
    "disciplinary": "Disciplinary or capability procedure",
    "safeguarding": "Safeguarding procedures / referral",
    "police": "Reported to the Police",
    "recorded": "Recorded in the school's safeguarding system",  # CPOMS, MyConcern: asks its reference
    "other": "Other (type it)",
}


REVIEWER_ROLES = ("head_teacher", "dsl", "chair_of_governors", "deputy")
