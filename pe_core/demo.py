"""The embedded default: demo word vectors and a demo labelled dataset, built by the project.

Nothing here needs the network or a third-party data file.

``demo_vectors()`` are *not* GloVe. They are fitted here, deterministically, from a background
corpus that a small generative grammar writes from the word groups below (topics such as food or
weather, positive and negative sentiment words, pronouns, prepositions, punctuation, ...): window
co-occurrence counts -> positive PMI (context-distribution smoothing 0.75) -> truncated SVD to 50
dimensions -> rows scaled so the mean norm matches GloVe 6B 50d. Words of one group share their
contexts in that corpus, so they end up as each other's nearest neighbours.

``demo_dataset()`` is a generated set of short social-media-style texts labelled negative /
neutral / positive. Part of the signal lives only in emoticons and emoji, so a model has to
train those (out-of-vocabulary) tokens to get it. Every ordinary word it uses is in the demo
vectors; the invented brand names, the emoji and the special tokens (<smile>, <url>, ...) are not.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from pe_core.cache import atomic_write, cache_dir
from pe_core.datasets import Dataset
from pe_core.vectors import Vectors

# Each group is a set of words the background grammar treats as interchangeable. A word belongs
# to exactly one group (a test checks it), so the groups double as the ground truth for the
# neighbour test and as colours in the app. Common English words, as written in GloVe 6B
# (lowercase, "n't" and "'s" split off, punctuation as tokens).
_GROUPS_TEXT: dict[str, str] = {
    # --- topics (nouns) ---
    "food": """
        food pizza burger burgers pasta salad sandwich sandwiches soup rice bread cheese chicken
        beef pork fish steak bacon egg eggs potato potatoes tomato tomatoes onion onions garlic
        pepper salt sugar butter cream cake cakes cookie cookies chocolate pie dessert breakfast
        lunch dinner meal meals snack snacks fries noodles sushi tacos taco curry sauce fruit apple
        apples banana bananas orange oranges lemon grapes strawberry strawberries berries cherry
        peach mango vegetables carrot carrots beans corn mushrooms spinach lettuce honey jam
        pancakes waffles cereal yogurt sausage ham shrimp salmon tuna lobster crab oysters
        barbecue recipe recipes menu restaurant restaurants cafe bakery chef cooking baking dish
        dishes flavor flavors vanilla cinnamon peanut nuts olive olives pizzas bagel muffin donut
        donuts popcorn burrito kebab dumplings omelette toast
        cook cooked bake baked grilled fried roasted spicy salty sour bitter juicy crispy""",
    "drinks": """
        coffee tea beer beers wine wines water juice milk soda cocktail cocktails vodka whiskey
        champagne lemonade espresso latte cappuccino smoothie drink drinks bottle bottles mug pub
        brewery coke pint whisky rum gin cider brandy tequila liquor bartender""",
    "travel": """
        flight flights airport airports plane planes hotel hotels trip trips vacation holiday
        holidays beach beaches passport luggage suitcase ticket tickets train trains station tour
        tourist tourists cruise resort booking visa journey destination map gate boarding airline
        airlines pilot seat seats baggage border customs island islands coast harbor port camping
        hiking hostel motel lobby reservation sightseeing souvenir abroad overseas travel traveling
        travelers passenger passengers departure arrival route highway road roads trail
        booked flying packing land""",
    "places": """
        city cities town towns downtown street streets park parks mall store stores shop shops
        market square bridge museum museums church library bank office offices building buildings
        tower center neighborhood village avenue corner block hall zoo gallery castle palace
        cathedral plaza suburbs
        place""",
    "weather": """
        weather rain raining rainy snow snowing snowy sun sunny sunshine cloud clouds cloudy wind
        winds windy storm storms thunder lightning fog foggy ice heat humid humidity temperature
        temperatures degrees forecast winter summer spring autumn cold hot warm freezing frost hail
        umbrella showers breeze hurricane tornado flood flooding drought climate sky skies rainbow
        wet dry chilly snowfall blizzard seasons""",
    "sports": """
        game games match matches team teams player players coach coaches score scored goal goals
        football soccer basketball baseball tennis golf hockey cricket rugby boxing racing league
        season championship championships tournament final finals playoffs fans fan stadium ball
        field court referee penalty points quarter innings pitch striker defense offense captain
        trophy medal medals olympics athlete athletes race races runner marathon gym workout
        training practice sport sports club clubs cup kick shot shots touchdown victory defeat
        champion champions semifinal""",
    "tech": """
        phone phones smartphone laptop laptops computer computers tablet screen screens battery
        charger app apps software update updates internet wifi online website websites email
        emails password account download camera cameras keyboard headphones speaker speakers
        bluetooth device devices data network server video videos photo photos pictures selfie
        text texts message messages chat charging signal storage memory processor chip code coding
        programming bug bugs crash settings upgrade version system tech technology digital gadget
        gadgets display printer router google microsoft android iphone ipad robot robots users
        login browser file files folder click screenshot notification notifications
        gaming console xbox playstation nintendo gamer gamers
        downloading deleted upgraded""",
    "music": """
        music song songs album albums band bands concert concerts singer singers guitar piano
        drums drummer bass violin playlist lyrics melody rhythm beat beats dance dancing rock pop
        jazz blues rap classical opera orchestra choir festival festivals stage gig radio dj vinyl
        record records studio track tracks chorus verse tune tunes singing sing sang musician
        musicians composer performance encore ballad anthem rapper microphone
        listening""",
    "movies": """
        movie movies film films cinema actor actors actress director scene scenes episode episodes
        series trailer plot character characters sequel comedy drama horror thriller documentary
        cartoon cartoons animation tv television netflix channel show shows premiere cast hero
        villain oscar oscars hollywood script theater story stories""",
    "animals": """
        dog dogs cat cats puppy kitten horse horses bird birds cow cows pig pigs sheep goat duck
        ducks rabbit bunny mouse mice rat bear bears lion tiger elephant monkey wolf fox deer
        snake frog owl eagle shark whale dolphin turtle bee bees ant ants butterfly spider insect
        insects pet pets animal animals wildlife squirrel parrot penguin giraffe zebra camel
        kangaroo donkey
        crow pigeon goose hawk bull ox lizard crocodile octopus jellyfish""",
    "body": """
        head face eyes eye hair hand hands arm arms leg legs foot feet knee shoulder neck finger
        fingers teeth tooth mouth nose ear ears skin heart brain stomach blood bone bones doctor
        doctors nurse hospital medicine pills fever flu cough headache injury surgery health
        healthy diet sleep exercise muscles weight dentist clinic vaccine virus symptoms treatment
        patient patients
        lungs throat chest wrist ankle elbow lips tongue cheek forehead""",
    "clothes": """
        shirt shirts dress dresses jacket coat jeans pants shorts skirt shoes boots sneakers socks
        hat cap scarf gloves sweater hoodie suit tie uniform belt bag bags purse wallet glasses
        sunglasses jewelry ring necklace earrings fashion style outfit clothes clothing wear
        wearing cotton leather wool silk pocket sleeves collar
        pajamas slippers sandals bracelet makeup perfume""",
    "home": """
        house houses home room rooms kitchen bedroom bathroom garden yard door doors window windows
        wall walls floor roof table chair chairs sofa couch bed pillow blanket lamp lights mirror
        shelf desk fridge oven stove microwave sink shower toilet carpet curtains stairs garage
        basement apartment furniture towel towels plate plates bowl knife fork spoon pan pot
        laundry cleaning vacuum trash garbage keys candle candles clock rent
        balcony porch attic hallway closet drawer cabinet fence""",
    "people": """
        mom dad mother father parents brother sister brothers sisters son daughter kids kid
        children child baby babies family wife husband boyfriend girlfriend friend friends grandma
        grandpa grandmother grandfather uncle aunt cousin cousins nephew niece guy guys girl girls
        boy boys man men woman women people person lady ladies neighbor neighbors roommate partner
        couple twins teenager teenagers adults adult stranger""",
    "work": """
        job jobs boss manager managers meeting meetings colleague colleagues coworker coworkers
        employee employees salary paycheck career interview resume deadline deadlines project
        projects report reports client clients company companies business startup staff shift
        overtime promotion contract budget lawyer engineer farmer police officer firefighter
        waiter waitress cashier clerk secretary worker workers""",
    "shopping": """
        shopping order orders delivery package packages price prices discount sale sales deal
        deals coupon refund receipt checkout cart customer customers shipping purchase money cash
        dollars cents credit card bills tax taxes cost costs
        ordered""",
    "school": """
        school schools class classes teacher teachers student students homework exam exams test
        tests grade grades college university campus professor lecture lectures course courses
        math science history english biology chemistry physics essay paper papers notes book
        books lesson lessons semester graduation degree diploma scholarship principal classroom
        pencil pen notebook quiz assignment assignments education""",
    "nature": """
        tree trees forest woods flower flowers grass leaves leaf river rivers lake lakes ocean sea
        mountain mountains hill hills valley rocks stone stones sand desert moon stars star sunset
        sunrise earth planet nature waves wave waterfall cave cliff meadow pond stream creek soil
        dirt mud plants plant seeds roots branches wood fire smoke
        volcano glacier jungle swamp canyon""",
    "vehicles": """
        car cars truck trucks bike bikes bicycle motorcycle scooter van boat boats ship ships
        subway metro tram helicopter jet engine wheel wheels tire tires gas fuel parking traffic
        driver drivers driving mechanic license""",
    "geography": """
        america canada mexico brazil argentina england britain france germany italy spain
        portugal ireland scotland russia china japan korea india australia egypt africa europe
        asia london paris berlin rome madrid tokyo beijing moscow sydney toronto chicago boston
        seattle miami texas california florida dublin amsterdam vienna athens istanbul dubai
        bangkok singapore seoul delhi cairo lisbon barcelona venice hawaii alaska greece sweden
        norway denmark finland poland netherlands belgium switzerland austria chile peru cuba
        jamaica kenya nigeria vietnam thailand philippines indonesia""",
    "events": """
        birthday birthdays wedding weddings christmas halloween thanksgiving easter anniversary
        celebration ceremony funeral parade reunion picnic fireworks gift gifts presents
        invitation guests guest decorations costume costumes balloons""",
    "news": """
        news newspaper article headline headlines president government election elections vote
        votes voters politics senator congress minister law laws policy campaign debate protest
        economy war peace army military soldiers""",
    "time": """
        monday tuesday wednesday thursday friday saturday sunday january february march april june
        july august september october november december today tomorrow yesterday tonight morning
        afternoon evening night nights week weeks weekend weekends month months year years day
        days hour hours minute minutes moment noon midnight
        time""",
    "numbers": """
        one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
        sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
        hundred thousand million billion first second third fourth fifth sixth seventh eighth
        ninth tenth half dozen once twice""",
    "colours": """
        red blue green yellow black white pink purple brown grey gray gold silver colorful color
        colors""",
    # --- sentiment ---
    "positive": """
        good great love loved loving happy awesome amazing wonderful best better excellent
        fantastic nice beautiful perfect fun enjoy enjoyed enjoying glad excited exciting thanks
        thank lovely brilliant cool sweet favorite delicious tasty incredible super fabulous
        gorgeous cute adorable pleased proud grateful thankful blessed lucky joy smile smiling
        laugh laughing funny hilarious win won winner wow yay congrats congratulations celebrate
        celebrating party recommend impressive stunning peaceful relaxing relaxed comfortable
        friendly helpful kind greatest finest superb outstanding terrific magnificent delightful
        charming pleasant enjoyable satisfied happiest happiness hope hopefully wish dream dreams
        cheers welcome success successful fresh easy smooth safe strong positive yes""",
    "negative": """
        bad terrible hate hated hating sad awful worst worse horrible angry annoying annoyed
        boring bored disappointed disappointing disappointment sick tired broken ugly stupid upset
        sorry hurt hurts pain painful fail failed failure problem problems poor wrong lonely cry
        crying cried tears scared afraid fear worried worry stress stressed stressful nightmare
        disaster mess ruined rude dirty slow delayed delay cancelled canceled lost lose loss gross
        nasty sucks crap damn ugh pathetic useless waste wasted expensive overpriced noisy crowded
        mad furious frustrated frustrating frustration unfortunately sadly regret shame awkward
        embarrassing depressed depressing miserable unhappy lame weak dead died trouble difficult
        complain complaint complaining blame unfair fake ridiculous disgusting dreadful hopeless
        no""",
    # --- other content words ---
    "adjectives": """
        new old big small large little long short high low early late next last full empty
        closed same different other own main whole real public local young left top bottom hard
        simple quick fast heavy light quiet loud busy free usual normal regular special extra
        huge tiny tall wide deep cheap certain sure possible recent fine okay ok
        modern ancient famous popular important serious strange weird interesting rich dark bright clear round flat soft sharp fancy plain private personal official national international global daily weekly entire various common rare unusual""",
    "verbs": """
        go going went gone get getting got make making made take taking took see seeing saw seen
        come coming came know knew think thinking thought look looking looked want wanted give
        gave use used find found tell told ask asked work working worked call called try trying
        tried leave leaving put keep kept let begin began seem help helped hear heard
        play playing played run running ran move moved live lived believe bring brought happen
        happened write wrote sit sat stand stood pay paid meet met learn learned change changed
        understand watch watching watched follow stop stopped read spend spent grow open opened
        walk walking walked buy bought wait waiting waited send sent build stay staying stayed
        fall fell cut reach remember need needed like liked feel felt say said
        eat eating ate talk talking talked forget forgot carry carried turn turned start started finish finished check checked share shared post posted save saved hold held catch caught visit visited wake woke ride rode plan planned add added join joined pick picked drop dropped throw threw choose chose hang sell sold
        grabbing heading checking looks needs using setting plays starts says stuck""",
    # --- function words and punctuation ---
    "pronouns": """
        i you he she it we they me him her us them my your his its our their mine yours myself
        yourself himself herself ourselves themselves someone somebody everyone everybody anyone
        nobody something everything anything nothing""",
    "determiners": """
        the a an this that these those some any every each all both many much few several more
        most another such enough less lot""",
    "prepositions": """
        in on at to from with for of by about after before during near under over into through
        without around between across against along behind beyond inside outside since until
        toward towards upon within off onto via
        vs out up""",
    "auxiliaries": """
        is was are were be been being am have has had do does did will would can could should
        shall may might must n't 's 'm 're 'll 've 'd not""",
    "connectives": """
        and but or so because if when while then than though although unless just really very
        too also still even only now already always never sometimes often again maybe probably
        actually finally almost quite pretty soon ever here there where what who why how which
        yet anyway instead definitely literally totally seriously honestly basically
        else back""",
    "punctuation": """
        . , ! ? : ; - -- ( ) " ' $ % & / ... *""",
}

_TOPICS = (
    "food drinks travel places weather sports tech music movies animals body clothes home people "
    "work shopping school nature vehicles events news"
).split()

# Sentence frames of the background grammar, one letter per slot:
#   T topic noun (the sentence's topic)   S sentiment word (the sentence's polarity; an adjective
#   when the sentence is neutral)          A adjective   V verb   C colour   N number   M time
#   G place name   P pronoun   D determiner   R preposition   X auxiliary   K connective
#   Z punctuation
# Each group sits next to its own mix of other groups, and most groups also co-occur with
# themselves (two topic nouns, "good and great", "three or four"): that is what makes the words
# of a group each other's neighbours after the fit.
_FRAMES = (
    "PXVDTRDTZ",
    "DTXKSKSZ",
    "PVNTRMZ",
    "KPXVRGRDATZ",
    "SZDTRDCTXSZ",
    "PXSZPVDTKSZ",
    "DATXCKCZ",
    "NTKNTRMKMZ",
    "GKGXARMZ",
    "PVKVDTZ",
    "DTXAKAZ",
    "PKPXVZ",
)
_SLOT_GROUP = {
    "A": "adjectives",
    "V": "verbs",
    "C": "colours",
    "N": "numbers",
    "M": "time",
    "G": "geography",
    "P": "pronouns",
    "D": "determiners",
    "R": "prepositions",
    "X": "auxiliaries",
    "K": "connectives",
    "Z": "punctuation",
}


def demo_word_groups() -> dict[str, list[str]]:
    """The generator's word groups: group name -> words (each word in exactly one group).

    Every word of every group is a row of ``demo_vectors()``; the groups are the ground truth of
    the neighbour test and can colour the reference words in plots.
    """
    return {name: text.split() for name, text in _GROUPS_TEXT.items()}


# --------------------------------------------------------------------------------------------
# The demo dataset
# --------------------------------------------------------------------------------------------

DEMO_LABELS = ("negative", "neutral", "positive")
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2

# Invented brands: out of vocabulary for GloVe and for the demo vectors. Two lean one way
# (zorbix mostly praised, flumio mostly cursed), so a trainable OOV row has something to learn.
DEMO_BRANDS = ("zorbix", "flumio", "kraveo", "quenzo", "blipstar")
_BRAND_WEIGHTS = {
    NEGATIVE: (1, 6, 1, 1, 1),
    NEUTRAL: (2, 2, 2, 2, 2),
    POSITIVE: (6, 1, 1, 1, 1),
}

# Emoticons and emoji with relative frequencies: ":)" and ":(" dominate, as they do on Twitter,
# so <smile> and <sadface> get the most training signal.
DEMO_EMOTICONS: dict[int, dict[str, int]] = {
    POSITIVE: {
        ":)": 30, ":-)": 8, ":D": 12, "=)": 3, ";)": 5, "<3": 8,
        "😀": 6, "😍": 8, "😊": 8, "👍": 6, "🎉": 5, "🙌": 3, "💕": 3,
    },
    NEGATIVE: {
        ":(": 30, ":-(": 8, ":'(": 8,
        "😢": 8, "😭": 6, "😡": 6, "😞": 6, "👎": 5, "💔": 4, "😠": 3,
    },
    NEUTRAL: {":/": 3, ":|": 2, "🤔": 4, "😐": 3},
}  # fmt: skip

# Slot fillers for the templates ({name} or {name2} for a second, different pick).
_SLOTS: dict[str, tuple[str, ...]] = {
    "food": tuple(
        "pizza burger pasta salad sandwich soup sushi tacos noodles curry cake pie cookies "
        "pancakes chocolate steak chicken fries bread cheese burrito donuts".split()
    ),
    "meal": ("breakfast", "lunch", "dinner"),
    "drink": tuple("coffee tea beer wine juice smoothie latte lemonade".split()),
    "where": ("downtown", "near the station", "on the corner", "by the park", "in town"),
    "person": tuple("mom dad sister brother friends family boyfriend girlfriend roommate".split()),
    "time": ("today", "tonight", "this morning", "this weekend", "tomorrow", "on friday"),
    "city": tuple(
        "paris london rome tokyo berlin madrid chicago boston dublin lisbon barcelona seoul".split()
    ),
    "pos": tuple(
        "great amazing awesome perfect excellent fantastic wonderful lovely incredible "
        "brilliant good beautiful".split()
    ),
    "neg": tuple(
        "terrible awful horrible disappointing bad useless ridiculous pathetic annoying "
        "boring".split()
    ),
    "yum": ("delicious", "tasty", "amazing", "perfect", "great", "good"),
    "yuck": ("disgusting", "gross", "awful", "terrible", "nasty", "bad"),
    "device": tuple("phone laptop tablet headphones camera smartphone".split()),
    "sport": tuple("football soccer basketball tennis hockey baseball".split()),
    "wx": ("rain", "snow", "sunshine", "wind", "fog", "clouds", "storms"),
    "wxadj": ("rainy", "sunny", "cloudy", "windy", "foggy", "snowy", "cold", "hot", "warm"),
    "record": ("album", "song", "track", "playlist"),
    "gig": ("album", "song", "concert", "band", "playlist", "track", "festival"),
    "day": tuple("monday tuesday wednesday thursday friday saturday sunday".split()),
}

# Per topic: neutral wording (also reused, with only an emoticon, for positive/negative texts),
# positive wording and negative wording. {brand} and {num} are filled separately.
_TEMPLATES: dict[str, dict[int, tuple[str, ...]]] = {
    "food": {
        NEUTRAL: (
            "just had {food} for {meal}",
            "making {food} for {meal} {time}",
            "trying the new {food} place {where}",
            "ordered {food} from {brand}, should be here in {num} minutes",
            "{food} or {food2} for {meal}?",
            "my {person} is cooking {food} {time}",
            "grabbing a {drink} and some {food} before work",
            "anyone know where to get {food} {where}?",
        ),
        POSITIVE: (
            "this {food} is {yum}",
            "the {food} at {brand} was {yum}",
            "{pos} {meal} with my {person}",
            "i love {food} so much",
            "best {food} i have ever had",
            "that {drink} was {pos}, thank you {brand}",
        ),
        NEGATIVE: (
            "this {food} is {yuck}",
            "the {food} at {brand} was {yuck} and {neg}",
            "waited {num} minutes for cold {food}",
            "i hate it when the {food} is {yuck}",
            "worst {meal} ever, the {food} was {yuck}",
            "{brand} got my order wrong again",
        ),
    },
    "travel": {
        NEUTRAL: (
            "at the airport waiting for my flight to {city}",
            "heading to {city} {time}",
            "the train to {city} leaves at {num}",
            "packing for the trip to {city}",
            "{num} hours until we land in {city}",
            "checking in at the hotel now",
            "booked a room in {city} for {num} nights",
            "flying {brand} to {city} {time}",
        ),
        POSITIVE: (
            "{city} is {pos}",
            "{pos} trip to {city} with my {person}",
            "the hotel in {city} was {pos}",
            "i love this beach so much",
            "so happy to be back in {city}",
            "{brand} upgraded my seat, {pos} flight",
        ),
        NEGATIVE: (
            "flight to {city} delayed again",
            "{num} hours stuck at the airport, this is {neg}",
            "the hotel was {neg} and the room was dirty",
            "{brand} lost my luggage",
            "{neg} trip, never again",
            "my train got cancelled, {neg} day",
        ),
    },
    "weather": {
        NEUTRAL: (
            "{wx} {time} in {city}",
            "looks like {wx} all week",
            "it's {num} degrees outside",
            "forecast says {wxadj} for the weekend",
            "bring an umbrella {time}",
            "first snow of the year in {city}",
            "{wxadj} {day} morning",
        ),
        POSITIVE: (
            "{pos} sunny day in {city}",
            "i love this weather",
            "the sunshine {time} is {pos}",
            "finally some sun, {pos}",
            "{pos} weather for a walk in the park",
        ),
        NEGATIVE: (
            "{neg} weather again",
            "{num} days of rain, so {neg}",
            "i hate this cold",
            "the storm ruined our weekend",
            "{wxadj} and {neg}, worst {day} ever",
        ),
    },
    "sports": {
        NEUTRAL: (
            "watching the {sport} game {time}",
            "the match starts at {num}",
            "{city} vs {city2} {time}",
            "who is playing {time}?",
            "going to the stadium with my {person}",
            "{num} to {num} at half time",
            "{sport} practice after school",
        ),
        POSITIVE: (
            "what a {pos} game",
            "{city} won again, {pos}",
            "{pos} goal in the last minute",
            "so proud of the team",
            "{pos} win for {city} {time}",
        ),
        NEGATIVE: (
            "{city} lost again, {neg}",
            "{neg} game, the referee was {neg2}",
            "what a {neg} season",
            "we lose every time, {neg}",
            "{neg} match, so disappointed",
        ),
    },
    "tech": {
        NEUTRAL: (
            "just got the new {brand} {device}",
            "my {device} needs an update",
            "anyone using the {brand} app?",
            "battery at {num} %",
            "setting up my new {device}",
            "downloading the update now",
            "is the {brand} website slow for anyone else?",
            "new {device} or wait for the next one?",
        ),
        POSITIVE: (
            "the new {brand} {device} is {pos}",
            "i love my new {device}",
            "the camera on this {device} is {pos}",
            "{pos} update, everything is so fast",
            "the {brand} app is {pos}",
        ),
        NEGATIVE: (
            "my {device} died again",
            "the {brand} app is {neg}",
            "the update is {neg}",
            "{neg} battery, dead in {num} hours",
            "the {brand} {device} is {neg}",
            "my {device} screen is broken, {neg}",
        ),
    },
    "music": {
        NEUTRAL: (
            "listening to the new {record} {time}",
            "the concert is on {day}",
            "got tickets for the show in {city}",
            "new song out {time}",
            "making a playlist for the trip",
            "the {record} on {brand} has {num} songs",
            "the band plays in {city} on {day}",
        ),
        POSITIVE: (
            "this song is {pos}",
            "{pos} concert {time}",
            "i love this album",
            "the band was {pos} live",
            "{pos} {gig}, thank you {brand}",
        ),
        NEGATIVE: (
            "the concert was {neg}",
            "this song is {neg}",
            "{neg} {gig}, what a waste",
            "the band was late and {neg}",
            "{brand} deleted my playlist, {neg}",
        ),
    },
}

# Hashtag words are real words (or a brand), so keep_hashtag_word=True stays in vocabulary too.
_HASHTAGS: dict[str, tuple[str, ...]] = {
    "food": ("food", "dinner", "pizza", "coffee", "breakfast", "lunch"),
    "travel": ("travel", "vacation", "holiday", "airport", "beach", "flumio"),
    "weather": ("weather", "rain", "summer", "winter", "snow"),
    "sports": ("football", "soccer", "sports", "basketball", "tennis"),
    "tech": ("tech", "iphone", "android", "update", "gadgets", "zorbix"),
    "music": ("music", "concert", "playlist", "jazz", "festival", "blipstar"),
}
_HANDLE_NAMES = tuple(
    "sam alex maya jess mike chris kate tom lisa dan emma leo nina ravi omar".split()
)

_LABEL_NOISE = 0.07  # share of labels replaced by another class, so no model reaches 100 %
# Share of positive/negative texts with sentiment wording; the rest say it by emoticon only.
_EXPLICIT_SHARE = 0.55
_SLOT_RE = re.compile(r"\{([a-z]+)(2?)\}")
_NUMBERS = tuple("2 3 4 5 6 7 8 10 12 15 20 30 45 90".split())


def _pick(rng: np.random.Generator, items: tuple[str, ...] | list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _pick_weighted(rng: np.random.Generator, table: dict[str, int]) -> str:
    keys = list(table)
    weights = np.array([table[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=weights / weights.sum()))]


def _fill(template: str, rng: np.random.Generator, label: int) -> str:
    """Fill every {slot} of a template; {x2} differs from {x} where the pool allows it."""
    chosen: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name, second = match.group(1), match.group(2)
        if name == "brand":
            weights = np.array(_BRAND_WEIGHTS[label], dtype=float)
            return DEMO_BRANDS[int(rng.choice(len(DEMO_BRANDS), p=weights / weights.sum()))]
        if name == "num":
            return _pick(rng, _NUMBERS)
        word = _pick(rng, _SLOTS[name])
        if second:
            while word == chosen.get(name):
                word = _pick(rng, _SLOTS[name])
        else:
            chosen[name] = word
        return word

    return _SLOT_RE.sub(replace, template)


def _url(rng: np.random.Generator) -> str:
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(_pick(rng, alphabet) for _ in range(int(rng.integers(6, 11))))
    host = _pick(rng, ("https://t.co/", "http://bit.ly/", "https://www.example.com/p/"))
    return host + code


def _handle(rng: np.random.Generator) -> str:
    separator = "_" if rng.random() < 0.3 else ""
    digits = str(rng.integers(1, 99)) if rng.random() < 0.5 else ""
    return "@" + _pick(rng, _HANDLE_NAMES) + separator + digits


def _demo_text(rng: np.random.Generator, label: int) -> str:
    """One text whose true sentiment is ``label`` (before label noise)."""
    topic = _pick(rng, list(_TEMPLATES))
    emoticons: list[str] = []
    if label == NEUTRAL:
        wording = NEUTRAL
        if rng.random() < 0.12:
            emoticons.append(_pick_weighted(rng, DEMO_EMOTICONS[NEUTRAL]))
    elif rng.random() < _EXPLICIT_SHARE:
        wording = label
        if rng.random() < 0.5:
            emoticons.append(_pick_weighted(rng, DEMO_EMOTICONS[label]))
    else:
        # Neutral wording: here the emoticon is the only clue to the sentiment.
        wording = NEUTRAL
        emoticons.append(_pick_weighted(rng, DEMO_EMOTICONS[label]))
        if rng.random() < 0.2:
            emoticons.append(_pick_weighted(rng, DEMO_EMOTICONS[label]))
    text = _fill(_pick(rng, _TEMPLATES[topic][wording]), rng, label)
    if rng.random() < 0.4:
        text = text[0].upper() + text[1:]
    tail = [" ".join(emoticons)] if emoticons else []
    if rng.random() < 0.35:
        count = 1 + int(rng.random() < 0.3)
        tags = rng.choice(len(_HASHTAGS[topic]), size=count, replace=False)
        tail.append(" ".join("#" + _HASHTAGS[topic][int(i)] for i in tags))
    if rng.random() < 0.2:
        tail.append(_url(rng))
    if len(tail) > 1 and rng.random() < 0.3:
        tail.reverse()
    if rng.random() < 0.3:
        text = _handle(rng) + " " + text
    return " ".join([text, *tail])


def demo_dataset(n: int = 3000, seed: int = 0) -> Dataset:
    """A generated, labelled set of ``n`` short social-media-style texts (deterministic per seed).

    Labels are "negative", "neutral", "positive" (ids 0, 1, 2), balanced before 7 % label noise.
    Topics: food, travel, weather, sports, tech, music. Texts carry @mentions, URLs, #hashtags,
    numbers, emoticons, emoji and invented brand names (``DEMO_BRANDS``). About 45 % of the
    positive and negative texts use neutral wording and only an emoticon or emoji tells their
    sentiment. Every ordinary word is in ``demo_vectors()``.

    Example:
        >>> texts, labels = demo_dataset(300, seed=1)
        >>> len(texts), sorted(set(labels.tolist()))
        (300, [0, 1, 2])
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 30:
        raise ValueError(f"n must be an integer >= 30 (a few texts per class), got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    truth = rng.permutation(np.arange(int(n)) % 3)
    texts = [_demo_text(rng, int(y)) for y in truth]
    labels = truth.copy()
    noisy = rng.random(int(n)) < _LABEL_NOISE
    labels[noisy] = (labels[noisy] + rng.integers(1, 3, int(noisy.sum()))) % 3
    return Dataset(texts=texts, labels=labels, label_names=list(DEMO_LABELS), source="demo")


# --------------------------------------------------------------------------------------------
# The demo vectors
# --------------------------------------------------------------------------------------------

# Any change to the groups, the grammar or these settings changes the cache key below.
_FIT = {
    "version": 2,  # bump on any change to the fitting code: it is not part of the key
    "seed": 0,
    "sentences": 150_000,
    "window": 4,
    "zipf": 0.5,
    "context_alpha": 0.75,
    "dim": 50,
    "svd_iter": 4,
    "mean_norm": 4.7,  # mean row norm of real GloVe 6B 50d (measured on an 8k-word sample)
}


def _sampling_table(groups: dict[str, list[str]]) -> np.ndarray:
    """Cumulative word probabilities, group g occupying (g, g+1]: one searchsorted samples any group."""
    parts = []
    for g, words in enumerate(groups.values()):
        # Zipf-like within a group (earlier words are commoner), as in real text.
        weights = 1.0 / (np.arange(len(words)) + 2.0) ** _FIT["zipf"]
        cdf = np.cumsum(weights) / weights.sum()
        cdf[-1] = 1.0
        parts.append(g + cdf)
    return np.concatenate(parts)


def _corpus_frames(rng: np.random.Generator, groups: dict[str, list[str]]):
    """Yield the background corpus frame by frame: int arrays (sentences, slots) of word ids."""
    gid = {name: i for i, name in enumerate(groups)}
    table = _sampling_table(groups)
    topics = np.array([gid[t] for t in _TOPICS])
    # Topics are drawn in proportion to their size, so every word gets a similar number of uses.
    topic_p = np.array([len(groups[t]) for t in _TOPICS], dtype=float)
    topic_p /= topic_p.sum()
    polarity_gid = np.array([gid["positive"], gid["negative"], gid["adjectives"]])
    frame_of = rng.integers(0, len(_FRAMES), _FIT["sentences"])
    for f, frame in enumerate(_FRAMES):
        n = int(np.count_nonzero(frame_of == f))
        topic = topics[rng.choice(len(topics), n, p=topic_p)]
        sentiment = polarity_gid[rng.choice(3, n, p=[0.3, 0.3, 0.4])]
        columns = []
        for slot in frame:
            if slot == "T":
                group = topic
            elif slot == "S":
                group = sentiment
            else:
                group = np.full(n, gid[_SLOT_GROUP[slot]])
            columns.append(np.searchsorted(table, group + rng.random(n), side="right"))
        yield np.stack(columns, axis=1)


def _cooccurrence(groups: dict[str, list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric window co-occurrence counts (weight 1/distance, as GloVe) and word counts."""
    size = sum(len(w) for w in groups.values())
    rng = np.random.default_rng(_FIT["seed"])
    keys, weights, counts = [], [], np.zeros(size)
    for ids in _corpus_frames(rng, groups):
        counts += np.bincount(ids.ravel(), minlength=size)
        for d in range(1, min(_FIT["window"], ids.shape[1] - 1) + 1):
            keys.append((ids[:, :-d] * size + ids[:, d:]).ravel())
            weights.append(np.full(keys[-1].size, 1.0 / d))
    flat = np.bincount(np.concatenate(keys), np.concatenate(weights), minlength=size * size)
    pairs = flat.reshape(size, size)
    return pairs + pairs.T, counts


def _ppmi(pairs: np.ndarray) -> np.ndarray:
    """Positive PMI with context-distribution smoothing (Levy, Goldberg & Dagan 2015)."""
    total = pairs.sum()
    rows = pairs.sum(axis=1)
    context = rows ** _FIT["context_alpha"]
    context /= context.sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(pairs / total) - np.log(rows / total)[:, None] - np.log(context)[None, :]
    return np.maximum(pmi, 0.0).astype(np.float32)


def _truncated_svd(a: np.ndarray, k: int, n_iter: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k left singular vectors and values by randomized subspace iteration (Halko et al.).

    Plain numpy (scikit-learn's randomized_svd does the same but costs seconds to import). Each
    vector's sign is fixed (largest entry positive) so the result does not depend on LAPACK's.
    """
    rng = np.random.default_rng(seed)
    q = np.linalg.qr(a @ rng.standard_normal((a.shape[1], k + 10)).astype(a.dtype))[0]
    for _ in range(n_iter):
        q = np.linalg.qr(a.T @ q)[0]
        q = np.linalg.qr(a @ q)[0]
    u_small, s, _ = np.linalg.svd(q.T @ a, full_matrices=False)
    u = (q @ u_small)[:, :k]
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(k)])
    return u * signs, s[:k]


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _build_demo_vectors() -> tuple[list[str], np.ndarray]:
    """Fit the demo vectors from scratch: corpus -> counts -> PPMI -> truncated SVD -> scaling."""
    groups = demo_word_groups()
    words = [w for ws in groups.values() for w in ws]
    pairs, counts = _cooccurrence(groups)
    # One BLAS thread: these small products gain nothing from more, a busy machine made two
    # threads spin 20x slower (measured), and a fixed thread count keeps the bits reproducible.
    with _one_blas_thread():
        u, s = _truncated_svd(_ppmi(pairs), _FIT["dim"], _FIT["svd_iter"], _FIT["seed"])
    matrix = u * np.sqrt(s)  # symmetric split of the singular values, as in Levy et al.
    matrix *= _FIT["mean_norm"] / np.linalg.norm(matrix, axis=1).mean()
    # Rows in frequency order like a GloVe file, so max_words-style truncation keeps common words.
    order = np.argsort(-counts, kind="stable")
    return [words[i] for i in order], np.ascontiguousarray(matrix[order], dtype=np.float32)


def _cache_key() -> str:
    recipe = json.dumps([_FIT, _GROUPS_TEXT, _TOPICS, _FRAMES, _SLOT_GROUP], sort_keys=True)
    return hashlib.sha1(recipe.encode()).hexdigest()[:16]


def _cache_paths() -> tuple[Path, Path]:
    stem = cache_dir() / "demo" / f"demo_vectors-{_cache_key()}"
    return stem.with_suffix(".npy"), stem.with_suffix(".words")


def _read_cache() -> tuple[list[str], np.ndarray] | None:
    """The cached fit, or None when absent or unreadable (it is then rebuilt and rewritten)."""
    npy, words_file = _cache_paths()
    try:
        words = words_file.read_text(encoding="utf-8").split("\n")
        matrix = np.load(npy, allow_pickle=False)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return _check_fit(words, matrix)


def _write_cache(words: list[str], matrix: np.ndarray) -> None:
    npy, words_file = _cache_paths()
    try:
        atomic_write(words_file, lambda f: f.write("\n".join(words).encode("utf-8")))
        atomic_write(npy, lambda f: np.save(f, matrix, allow_pickle=False))
    except OSError:
        pass  # a read-only or full disk only costs a rebuild next time; the vectors are fine


#: The fit, shipped with the package so that a fresh install (and the app's first page) never
#: waits for it. ``python -m pe_core.demo`` rewrites it; a test checks it equals a fresh fit.
SHIPPED_VECTORS = Path(__file__).with_name("data") / "demo_vectors.npz"


def _check_fit(words: list[str], matrix: np.ndarray) -> tuple[list[str], np.ndarray] | None:
    if matrix.dtype != np.float32 or matrix.shape != (len(words), _FIT["dim"]):
        return None
    return words, matrix


def _read_shipped() -> tuple[list[str], np.ndarray] | None:
    """The shipped fit, or None when it is missing, damaged or fitted from another recipe."""
    try:
        with np.load(SHIPPED_VECTORS, allow_pickle=False) as z:
            if str(z["key"]) != _cache_key():
                return None
            words, matrix = [str(w) for w in z["words"]], z["matrix"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    return _check_fit(words, matrix)


def write_shipped_vectors(path: Path | None = None) -> Path:
    """Fit the demo vectors from scratch and write them as the shipped file (or to ``path``)."""
    words, matrix = _build_demo_vectors()
    path = Path(path) if path is not None else SHIPPED_VECTORS
    atomic_write(
        path,
        lambda f: np.savez_compressed(
            f, key=np.array(_cache_key()), words=np.array(words), matrix=matrix
        ),
    )
    return path


@functools.lru_cache(maxsize=1)
def _demo_vectors_cached() -> tuple[tuple[str, ...], np.ndarray]:
    # Shipped file first; the user cache and a fresh fit only serve an edited recipe.
    cached = _read_shipped() or _read_cache()
    if cached is None:
        cached = _build_demo_vectors()
        _write_cache(*cached)
    words, matrix = cached
    matrix.setflags(write=False)  # shared by every caller; each gets its own copy below
    return tuple(words), matrix


def demo_vectors() -> Vectors:
    """The project's own 50-d demo word vectors (~2,100 words): **not GloVe**.

    Fitted from a generated background corpus (window co-occurrence -> PPMI -> truncated SVD,
    rows scaled to GloVe 6B 50d's mean norm 4.7), deterministically. The fit ships with the
    package (``SHIPPED_VECTORS``, rebuilt by ``python -m pe_core.demo``), so this only reads a
    small file; if the recipe below was edited since, it refits (about a second) and caches the
    result under ``$PE_LAB_CACHE/demo`` (default ``~/.cache/pe_lab``). Cached in memory too.
    Words come in frequency order, like a GloVe file. The words of each group of
    ``demo_word_groups()`` are each other's nearest neighbours. Special tokens (<smile>, ...),
    emoji and the brands in ``DEMO_BRANDS`` are deliberately absent (out of vocabulary).

    Every call returns a new ``Vectors`` with its own copy of the matrix.
    """
    words, matrix = _demo_vectors_cached()
    return Vectors(words=list(words), matrix=matrix.copy(), source="demo", fmt="demo")


if __name__ == "__main__":
    print(f"wrote {write_shipped_vectors()}")
