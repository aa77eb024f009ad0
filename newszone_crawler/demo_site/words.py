"""Word lists the demo site builds its English (and some Korean) text from.

Everything here is plain data.  The generator in :mod:`.content` draws from these
tables with a ``random.Random`` seeded per article, so the same article always reads
the same.  All the text is made up; only the style imitates a defence news board.

Every string in this module is encodable in EUC-KR (KS X 1001), because a few old
articles are served in that encoding: no en/em dashes, no ``©`` and no raw no-break
spaces here (pages write ``&nbsp;`` as an entity).
"""

from __future__ import annotations

FAMILY_NAMES: tuple[str, ...] = (
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Jung",
    "Kang",
    "Cho",
    "Yoon",
    "Jang",
    "Lim",
    "Han",
    "Oh",
    "Seo",
    "Shin",
    "Kwon",
    "Hwang",
    "Ahn",
    "Song",
    "Jeon",
    "Hong",
    "Yu",
    "Ko",
    "Moon",
    "Yang",
    "Baek",
    "Heo",
    "Nam",
    "Noh",
    "Ha",
    "Ryu",
)

GIVEN_SYLLABLES: tuple[str, ...] = (
    "min",
    "seok",
    "ga",
    "yeon",
    "byeong",
    "chae",
    "hyun",
    "woo",
    "ji",
    "hoon",
    "seung",
    "joo",
    "jae",
    "ho",
    "sung",
    "su",
    "young",
    "jin",
    "dong",
    "hee",
    "kyung",
    "tae",
    "sang",
    "won",
    "eun",
    "jung",
    "hye",
    "in",
    "jun",
    "yeol",
    "chan",
    "hwa",
    "gyu",
    "na",
    "ra",
    "bin",
    "il",
    "gun",
    "cheol",
    "mi",
)

KOREAN_FAMILY_NAMES: tuple[str, ...] = (
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
    "황",
    "안",
    "송",
    "전",
    "홍",
)

KOREAN_GIVEN_SYLLABLES: tuple[str, ...] = (
    "민",
    "석",
    "가",
    "연",
    "병",
    "노",
    "채",
    "무",
    "현",
    "우",
    "지",
    "훈",
    "승",
    "주",
    "재",
    "호",
    "성",
    "수",
    "영",
    "진",
    "동",
    "희",
    "경",
    "태",
    "상",
    "원",
    "은",
    "혜",
    "인",
    "준",
)

EMAIL_DOMAINS: tuple[str, ...] = ("dema.mil.kr", "korea.kr", "mnd.go.kr", "dema.mil.kr")

EMAIL_WORDS: tuple[str, ...] = (
    "trylover",
    "newsman",
    "kdd",
    "defense",
    "reporter",
    "bluesky",
    "seaside",
    "ironwill",
    "pen",
    "daily",
    "frontline",
    "mountain",
    "river",
    "story",
)

COUNTRIES: tuple[str, ...] = (
    "the U.S.",
    "Australia",
    "Canada",
    "France",
    "the U.K.",
    "Poland",
    "Indonesia",
    "Vietnam",
    "the Philippines",
    "Thailand",
    "Japan",
    "Turkey",
    "the UAE",
    "Saudi Arabia",
    "New Zealand",
    "Mongolia",
    "Colombia",
    "Norway",
    "Egypt",
    "India",
)

PLACES: tuple[str, ...] = (
    "Yongsan-gu, Seoul",
    "Gyeryong",
    "Pyeongtaek",
    "Cheorwon",
    "Pocheon",
    "Paju",
    "Jinhae",
    "Busan",
    "Donghae",
    "Pohang",
    "Gangneung",
    "Incheon",
    "Sokcho",
    "Cheongju",
    "Daejeon",
    "Gwangju",
    "Jeju",
    "Seosan",
    "Hwacheon",
    "Yanggu",
)

SUBJECTS: tuple[str, ...] = (
    "Defense Minister {person}",
    "Vice Minister of National Defense {person}",
    "The Ministry of National Defense",
    "The ROK Army",
    "The ROK Navy",
    "The ROK Air Force",
    "The ROK Marine Corps",
    "The Joint Chiefs of Staff",
    "The ROK-U.S. Combined Forces Command",
    "The Defense Acquisition Program Administration",
    "Chairman of the Joint Chiefs of Staff {person}",
    "The Army's 7th Infantry Division",
    "The Navy's 2nd Fleet",
    "The Air Force's 11th Fighter Wing",
    "The Korea Military Academy",
    "The Armed Forces Medical Command",
    "The Cyber Operations Command",
    "The Defense Security Support Command",
)

VERBS: tuple[str, ...] = (
    "holds",
    "hosts",
    "discusses",
    "reaffirms",
    "announces",
    "conducts",
    "launches",
    "signs",
    "reviews",
    "inspects",
    "opens",
    "completes",
    "strengthens",
    "expands",
    "promotes",
    "supports",
    "attends",
    "carries out",
    "prepares",
    "celebrates",
)

OBJECTS: tuple[str, ...] = (
    "a combined maritime drill",
    "defense cooperation talks",
    "a disaster relief operation",
    "cyber defense training",
    "a peacekeeping deployment ceremony",
    "a memorial ceremony",
    "a winter survival exercise",
    "a combined air drill",
    "a logistics support agreement",
    "a defense industry exhibition",
    "a recruitment fair for reservists",
    "the annual defense reform plan",
    "a search and rescue exercise",
    "an emergency response drill",
    "a joint river-crossing exercise",
    "a medical support mission",
    "a live-fire exercise",
    "a homecoming ceremony",
    "a strategic dialogue",
    "a military culture festival",
    "an anti-submarine exercise",
    "the remains recovery project",
    "a defense science forum",
    "a readiness inspection",
)

TAILS: tuple[str, ...] = (
    "with {country}",
    "in {place}",
    "on the Korean Peninsula",
    "amid growing regional threats",
    "for the first time",
    "ahead of the combined exercise",
    "to boost combat readiness",
    "to honor fallen heroes",
    "at the MND building",
    "with allied nations",
    "for service members' welfare",
    "near the Demilitarized Zone",
    "as planned",
    "under the defense reform plan",
    "on the east coast",
    "off the west coast",
    "during the spring exercise period",
    "with local residents",
    "in support of flood victims",
    "at the national cemetery",
    "for the new recruits",
    "in cooperation with {country}",
)

# Words of each length (2 to 14 letters) used to make a phrase exactly as long as
# needed, for titles whose own "..." must fall exactly where the header cuts them.
FILLERS: dict[int, str] = {
    2: "on",
    3: "now",
    4: "soon",
    5: "today",
    6: "openly",
    7: "jointly",
    8: "together",
    9: "carefully",
    10: "officially",
    11: "extensively",
    12: "successfully",
    13: "operationally",
    14: "systematically",
}

QUOTES: tuple[str, ...] = (
    "We will respond overwhelmingly to any provocation",
    "The alliance is the core axis of regional stability",
    "Readiness is the best deterrent",
    "Our troops deserve the best possible care",
    "Strong defense guarantees lasting peace",
    "We will never forget the sacrifice of our heroes",
    "Training like real combat saves lives",
    "Cooperation with our partners will only grow",
    "Every service member is a guardian of the nation",
    "Innovation is the future of our armed forces",
)

SPEAKER_ROLES: tuple[str, ...] = (
    "an MND spokesperson",
    "the commander of the unit",
    "a senior ministry official",
    "the head of the delegation",
    "a participating officer",
    "the company commander",
)

MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

SENTENCES: tuple[str, ...] = (
    "{subject} {verb_past} {object} {tail} on {month} {day}, drawing attention from"
    " officials of {country}.",
    "The event brought together about {number} service members and civilians {tail},"
    " and participants shared their experience of {object_plain}.",
    "According to the ministry, the program is expected to improve cooperation between"
    " the services and to reduce the burden on front-line units.",
    "\u201c{quote},\u201d said {speaker}, adding that the unit would continue to prepare"
    " for {object_plain}.",
    "During the meeting, both sides evaluated the security situation and agreed to"
    " continue to discuss {object_plain} {tail}.",
    "{subject} also plans to hold {object} {tail} later this year, a ministry official said.",
    "Participants practiced every step of the procedure, from the first report to the"
    " final recovery, while observers from {country} took notes.",
    "The ministry explained that the measure reflects lessons learned from last year's"
    " {object_plain} and the opinions of service members.",
    "Officials said the {number} troops who took part showed a high level of readiness"
    " despite the cold weather {tail}.",
    "This marks the {ordinal} time the two countries have held such an event since the"
    " agreement was signed.",
    "{subject} thanked the soldiers for their dedication and encouraged them to keep"
    " their posture firm {tail}.",
    "Local residents welcomed the troops, and the unit's band gave a short concert for"
    " the families who came to watch.",
)

ORDINALS: tuple[str, ...] = (
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "tenth",
    "twelfth",
)

PAST_VERBS: tuple[str, ...] = (
    "held",
    "hosted",
    "conducted",
    "carried out",
    "completed",
    "reviewed",
    "opened",
    "prepared",
    "supported",
    "attended",
)

CAPTIONS: tuple[str, ...] = (
    "Troops take part in the exercise",
    "Ministers shake hands before the talks",
    "A ceremony is held at the unit",
    "Marines land on the beach",
    "Fighter jets fly in formation",
    "Sailors stand on the deck of a destroyer",
    "Officials pose for a commemorative photo",
    "Soldiers clear snow at an outpost",
    "Cadets march during the parade",
    "Medical staff treat a simulated casualty",
)

PRESS_ITEMS: tuple[str, ...] = (
    "Date and time: {month} {day}, 10:00",
    "Venue: the MND building in {place}",
    "Attendees: about {number} officials and experts",
    "Main agenda: {object_plain}",
    "Host: the Ministry of National Defense",
    "Contact: the Public Affairs Office",
)

# Korean title lines: "<who>, <topic> <topic> <action>", e.g. "국방부, 한미 연합훈련 실시".
# fmt: off
KOREAN_TITLE_SUBJECTS: tuple[str, ...] = (
    "국방부", "국방부 장관", "합참", "육군", "해군", "공군", "해병대", "국군", "국방부 차관",
)
KOREAN_TITLE_TOPICS: tuple[str, ...] = (
    "한미", "연합훈련", "국방", "협력", "안보", "회의", "전방", "부대", "장병", "동맹",
    "교류", "재난", "구조", "훈련", "대비태세", "사이버", "방위산업", "유해발굴",
)
KOREAN_TITLE_ACTIONS: tuple[str, ...] = (
    "발표", "개최", "실시", "강화", "점검", "확대", "방문", "격려", "논의", "추진",
)
# fmt: on
