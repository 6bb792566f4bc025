"""The demo content for `manage.py seed_demo`, as plain data: a fictional publication, its
articles, partner outlets, the standard rate card and a few sample requests. Every name, place
and domain here is invented (domains end in `.example`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

D = Decimal

PUBLICATION: dict[str, Any] = {
    "name": "The Harbour Courier",
    "site_url": "https://courier.example/",
    "licence_prefix": "HC",
    "default_currency": "GBP",
    "copyright_holder": "Harbour Courier Media Ltd",
    "credit_line": (
        "This article was originally published by {publication} on {date} and is "
        "republished under licence {licence}. Read the original at {url}."
    ),
}

SITE = "https://courier.example"

# ---------------------------------------------------------------------------------------------
# Articles. Keyed by slug; `days_ago` places them in the past, `embargo_days` in the future.
# ---------------------------------------------------------------------------------------------


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "tide-gauges-sea-wall-overtopped-a-decade-early",
        "headline": "Tide gauges show Harbourmouth's sea wall will be overtopped a decade early",
        "standfirst": (
            "Readings from the harbour's three gauges suggest the 1974 defences will fail their "
            "design test by 2041, not 2051 as the council's plan assumes."
        ),
        "authors": ["Mara Quinn"],
        "dateline": "HARBOURMOUTH",
        "section": "environment",
        "tags": ["climate", "sea level", "flood defences", "council"],
        "days_ago": 3,
        "body_html": _p(
            "The sea is rising against Harbourmouth's waterfront faster than anyone planned for. "
            "Readings from the three tide gauges maintained by the harbour authority show the "
            "mean high-water mark has climbed 41 millimetres since 2010, almost twice the rate "
            "assumed when the council drew up its coastal defence plan eight years ago.",
            "If the trend holds, engineers say, the sea wall along Quay Street will be "
            "overtopped on an ordinary spring tide with a moderate onshore wind by around 2041. "
            "The council's plan, which sets the timetable for raising the wall, assumes that "
            "point will not be reached until 2051.",
            "“The gauges are not ambiguous,” said Dr Helen Achterberg, a coastal engineer at "
            "Wendmouth College who analysed the data for the Courier. “You can argue about the "
            "wind and the storm surge, but the baseline is moving, and it is moving faster than "
            "the plan.”",
            "The wall, built in 1974 after the flood that put two metres of water into the fish "
            "market, was designed to withstand what was then a one-in-two-hundred-year event. "
            "On the current readings, that event now has roughly a one-in-sixty chance of "
            "happening in any given year.",
            "A council spokesperson said the defence plan was “reviewed regularly” and that "
            "officers would look at the new figures before the next review in the spring. The "
            "harbour authority, which owns the gauges, said it had shared all of its readings "
            "with the council and the national flood agency.",
            "Traders on Quay Street said they were not surprised. “We see the water on the "
            "steps twice a month now,” said Ruth Okafor, who runs the chandlery at number 12. "
            "“When I took over the shop it was twice a year.”",
            "Raising the wall by the 600 millimetres the engineers recommend would cost an "
            "estimated £14m. The council has set aside £2.5m in its capital budget for the "
            "next five years.",
        ),
        "media": [
            {
                "caption": "Spring tide water on the steps of the Quay Street sea wall",
                "credit": "Photo: Mara Quinn / The Harbour Courier",
                "rights_holder": "Harbour Courier Media Ltd",
                "source_url": f"{SITE}/img/2026/quay-street-spring-tide.jpg",
                "distributable": True,
            },
            {
                "caption": "Waves break over the harbour arm during last winter's storm",
                "credit": "Photo: Reuters",
                "rights_holder": "Reuters",
                "source_url": f"{SITE}/img/2026/harbour-arm-storm-agency.jpg",
                # A wire-agency picture: the Courier may print it but cannot sublicense it.
                "distributable": False,
            },
        ],
    },
    {
        "slug": "fish-market-auction-app-halves-landing-waits",
        "headline": "Fish market's new auction app halves the time boats wait to land",
        "standfirst": (
            "Skippers can now sell their catch while still at sea, and the quayside queue "
            "that once stretched past midnight has all but disappeared."
        ),
        "authors": ["Tomasz Rybak"],
        "dateline": "HARBOURMOUTH",
        "section": "business",
        "tags": ["fishing", "technology", "harbour"],
        "days_ago": 6,
        "body_html": _p(
            "For forty years the Harbourmouth fish auction worked the same way: boats tied up, "
            "the catch was landed and graded on the quay, and a buyer stood in front of each "
            "box and shouted. On a busy night in October, the last boat could wait five hours "
            "for a berth.",
            "Since June, skippers have been able to list their catch on a phone app two hours "
            "before they reach the harbour mouth. Buyers bid remotely, the grading is checked "
            "on landing, and the boat leaves the quay as soon as the boxes are off. The market "
            "says the average wait to land has fallen from 94 minutes to 41.",
            "“It sounds small, but an hour at the quay is an hour of fuel, an hour of crew "
            "wages and an hour less sleep,” said Colin Baird, who skippers the trawler Saltire "
            "Rose. “Over a season that adds up to real money.”",
            "Not everyone is convinced. Two of the market's smaller buyers said the app "
            "favoured large wholesalers who could afford to bid on every lot. The market "
            "manager, Fiona Lestrade, said bidding limits for new accounts would be lifted in "
            "the new year so that small buyers could compete.",
            "The app was built by a three-person firm in the old net loft on Ropewalk Lane, "
            "and cost the market £180,000, half of it covered by a coastal communities grant.",
        ),
        "media": [],
    },
    {
        "slug": "council-keeps-ferry-subsidy-three-more-years",
        "headline": "Council votes to keep the island ferry subsidy for another three years",
        "standfirst": "A late amendment saved the winter timetable, but fares will rise by 8%.",
        "authors": ["Priya Nandakumar"],
        "dateline": "HARBOURMOUTH",
        "section": "politics",
        "tags": ["council", "transport", "ferry", "islands"],
        "days_ago": 10,
        "body_html": _p(
            "The ferry to Kelsey Island will keep running through the winter after councillors "
            "voted by 23 to 19 on Tuesday night to extend its subsidy for three more years.",
            "The vote followed a three-hour debate in which island residents, who had travelled "
            "over on the afternoon boat, filled the public gallery. An earlier proposal to cut "
            "the winter service to three days a week was dropped after an amendment from the "
            "finance committee found £310,000 of savings elsewhere in the transport budget.",
            "Fares will rise by 8% from April, the first increase since 2022. Islanders with a "
            "resident's card will continue to travel at half price.",
            "“This is the difference between a community and a holiday village,” said "
            "councillor Morag Ellison, who represents the island ward. “Children go to school "
            "on that boat. People go to hospital on that boat.”",
            "Opponents argued the subsidy, which works out at about £14 per passenger journey "
            "in winter, could not go on indefinitely. The council leader said a review of the "
            "route, including a possible electric vessel, would report in eighteen months.",
        ),
        "media": [],
    },
    {
        "slug": "lighthouse-keepers-logbooks-go-on-show",
        "headline": "A lighthouse keeper's logbooks, 1887 to 1931, go on show for the first time",
        "standfirst": (
            "Forty-four years of weather, wrecks and boredom, in the hand of three generations "
            "of the Teague family."
        ),
        "authors": ["Eleanor Vance"],
        "dateline": "SALTINGS POINT",
        "section": "culture",
        "tags": ["history", "museums", "lighthouses"],
        "days_ago": 14,
        "body_html": _p(
            "The entries are short. “Wind SW, fresh. Visibility good. Lamp lit 4.52pm.” Most "
            "days at the Saltings Point light, it seems, nothing happened at all. But every few "
            "pages the handwriting grows hurried, the lines crowd together, and a wreck or a "
            "rescue fills the page.",
            "The logbooks kept by three generations of the Teague family, who tended the light "
            "from 1887 until it was automated in 1931, go on show at the Harbourmouth Maritime "
            "Museum from Saturday. They were found last year in a tea chest in the loft of a "
            "house in Wendmouth by a great-granddaughter, Alice Teague, who lent them to the "
            "museum.",
            "Among the entries is a four-page account, by William Teague, of the night in "
            "January 1899 when the brig Constance ran onto the Saltings reef. He and his son "
            "rowed out twice in a full gale and brought back six of her crew of nine.",
            "“What strikes you is how little he makes of it,” said the museum's curator, "
            "Samuel Otieno. “The next day's entry is about a broken pane in the lantern.”",
            "The exhibition also includes the keeper's telescope, a brass fog-signal whistle "
            "and a sampler stitched by Margaret Teague in 1902, which reads: “Keep the light "
            "and the light will keep you.” It runs until the end of March; entry is free.",
        ),
        "media": [
            {
                "caption": "A page from William Teague's log for January 1899",
                "credit": "Photo: Harbourmouth Maritime Museum",
                "rights_holder": "Harbour Courier Media Ltd",
                "source_url": f"{SITE}/img/2026/teague-log-1899.jpg",
                "distributable": True,
            }
        ],
    },
    {
        "slug": "rowing-club-wins-coastal-regatta",
        "headline": "Harbour rowing club wins the coastal regatta for the first time since 1998",
        "standfirst": "A crew with an average age of 19 beat the holders by a third of a length.",
        "authors": ["Dan Hurley"],
        "dateline": "KELSEY BAY",
        "section": "sport",
        "tags": ["rowing", "regatta", "youth sport"],
        "days_ago": 2,
        "body_html": _p(
            "Harbourmouth Amateur Rowing Club won the men's coxed fours at the Coastal Regatta "
            "in Kelsey Bay on Sunday, its first victory in the event for 28 years.",
            "The crew, three of whom only took up the sport at school four years ago, trailed "
            "the holders from Wendmouth for most of the 2,000-metre course before closing the "
            "gap in a choppy final 300 metres and crossing the line a third of a length ahead.",
            "“We practise in worse than that every Tuesday night,” said the cox, Leah Brennan, "
            "who is 17. “When the water got rough, we knew they'd struggle more than us.”",
            "The club, which rows from a boathouse under the old swing bridge, has doubled its "
            "junior membership since a lottery grant paid for two new boats in 2023. Its coach, "
            "Malcolm Price, rowed in the last winning crew in 1998.",
            "The women's double sculls was won by Kelsey Bay, with Harbourmouth third.",
        ),
        "media": [],
    },
    {
        "slug": "harbour-dredging-contract-doubled-in-cost",
        "headline": "How the harbour dredging contract doubled in cost in eighteen months",
        "standfirst": (
            "Documents seen by the Courier show the harbour authority agreed to four price "
            "variations without going back to its board."
        ),
        "authors": ["Priya Nandakumar", "Tomasz Rybak"],
        "dateline": "HARBOURMOUTH",
        "section": "investigations",
        "tags": ["investigation", "harbour authority", "public money", "dredging"],
        "days_ago": 5,
        "premium": True,
        "body_html": _p(
            "When the Harbourmouth harbour authority signed a contract to dredge the inner "
            "channel in the spring of last year, the price was £3.2m. By the time the last "
            "barge of silt was towed out to sea this September, the authority had paid £6.7m.",
            "Documents obtained by the Courier under freedom of information rules show that the "
            "increase came through four separate price variations, each agreed by the "
            "authority's chief executive under delegated powers. None was put to the board, "
            "although the authority's own rules require board approval for any variation above "
            "£250,000. The largest, in November, was for £1.4m.",
            "The variations cite “unforeseen ground conditions”: more silt than expected, and "
            "a layer of contaminated sediment near the old gasworks outfall that had to be "
            "taken to a licensed site rather than dumped at sea. Survey reports from 2019, "
            "which the Courier has also seen, identified the contamination and estimated its "
            "volume within 10% of the amount eventually removed.",
            "“If you know the contamination is there, it is not unforeseen,” said Graham "
            "Osei, a chartered surveyor who reviewed the documents at our request. “Either "
            "the contract was priced without reading the survey, or the survey was left out "
            "of the tender.”",
            "The authority said the 2019 survey had been “one of many documents” supplied to "
            "bidders and that the variations were “properly made and properly recorded”. It "
            "said the board had been “kept informed” through the chief executive's quarterly "
            "reports. Those reports, which are public, mention the dredging once, in a "
            "sentence describing the work as “progressing well”.",
            "Two board members, who asked not to be named, said they had not known the cost "
            "had risen above £4m until the summer. One said: “We approve the budget for "
            "replacing a forklift. We did not approve three and a half million pounds.”",
            "The contractor, Wendside Marine Services, said it had priced the work on the "
            "information it was given and that every variation had been “agreed in writing "
            "by the client before the work was done”.",
            "The authority's chair, Jennifer Mackay, said on Friday that she had asked the "
            "internal auditor to review how the variations were approved, and that the board "
            "would discuss the findings in public. The chief executive, who is due to retire "
            "in the spring, declined to comment.",
            "The harbour authority is a trust port: it has no shareholders, and any surplus "
            "must be spent on the harbour. Its annual income, mostly from berthing fees and "
            "the fish market, is about £9m.",
        ),
        "media": [],
    },
    {
        "slug": "letters-bus-timetable",
        "headline": "Letters: readers on the new bus timetable",
        "standfirst": "Your views on the changes to the number 4 and 7 routes.",
        "authors": ["Letters editor"],
        "dateline": "",
        "section": "opinion",
        "tags": ["letters", "buses"],
        "days_ago": 4,
        # Letters belong to their writers: the Courier prints them but cannot license them.
        "syndication_status": "not_for_syndication",
        "body_html": _p(
            "Sir, the new timetable for the number 4 has taken away the only bus that reached "
            "the hospital before the morning clinics open. I am 81 and I do not drive. Am I "
            "expected to take a taxi each week for my appointments? Elsie Marsh, Upper Town.",
            "Sir, I would like to thank the bus company for finally running the number 7 on "
            "Sundays. My daughter can now visit without asking me for a lift, and I can have "
            "a glass of wine with my lunch. Peter Aldous, Wendmouth.",
            "Sir, the company says the changes are about “matching services to demand”. The "
            "demand on the 6.40am from Kelsey Bay is every seat full and people standing to "
            "Ropewalk Lane. Perhaps the planners could ride it once before they cut it. "
            "Joanna Fairweather, Kelsey Bay.",
            "Sir, the printed timetables at the stops on Harbour Road still show last year's "
            "times. Some of us do not have phones that tell us where the bus is. A piece of "
            "paper would do. Harold Benn, Harbour Road.",
        ),
        "media": [],
    },
    {
        "slug": "beach-water-quality-report-three-beaches-poor",
        "headline": "Water quality report: three of the coast's beaches fall to 'poor'",
        "standfirst": (
            "The annual bathing water figures, published at 7am on Thursday, show sewage "
            "overflows after summer storms were the main cause."
        ),
        "authors": ["Mara Quinn"],
        "dateline": "HARBOURMOUTH",
        "section": "environment",
        "tags": ["bathing water", "sewage", "beaches"],
        "days_ago": 0,
        # Under embargo until the agency publishes its figures.
        "embargo_days": 3,
        "body_html": _p(
            "Three beaches on the Harbourmouth coast have been rated “poor” in this year's "
            "bathing water classifications, meaning signs advising against swimming will be "
            "put up at the start of next season.",
            "North Sands, Kelsey Bay East and the Saltings all failed the standard, which is "
            "based on four years of samples for two kinds of bacteria found in sewage. Last "
            "year, only the Saltings was rated poor. Seven other beaches in the district were "
            "rated good or excellent.",
            "The environment agency's report links most of the failing samples to storm "
            "overflows, which discharge untreated sewage into rivers and the sea when heavy "
            "rain overwhelms treatment works. The overflow at the mouth of the River Wend "
            "discharged on 61 days last year, according to the water company's own figures.",
            "The water company said it was investing £40m in storage tanks at Wendmouth that "
            "would cut overflows “significantly” from 2028. Swimmers who use North Sands all "
            "year round said that was too slow. “We have been told about these tanks for six "
            "years,” said Aoife Delaney of the Harbourmouth Bluetits, a winter swimming group.",
        ),
        "media": [],
    },
    {
        "slug": "marine-music-festival-returns-arabic",
        "headline": "مهرجان موسيقى البحر يعود إلى الميناء بعد غياب خمس سنوات",
        "standfirst": (
            "فرق من اثنتي عشرة دولة تعزف على رصيف الميناء القديم طوال عطلة نهاية الأسبوع، "
            "والدخول مجاني للجميع."
        ),
        "authors": ["ليلى حداد"],
        "dateline": "هاربرماوث",
        "section": "culture",
        "tags": ["موسيقى", "مهرجانات", "الميناء"],
        "days_ago": 1,
        "language": "ar",
        "body_html": (
            '<p dir="rtl" lang="ar">يعود مهرجان موسيقى البحر إلى رصيف الميناء القديم في '
            "هاربرماوث نهاية هذا الأسبوع، بعد غياب دام خمس سنوات بسبب أعمال ترميم الرصيف "
            "ونقص التمويل. ويشارك في المهرجان هذا العام أكثر من أربعين فرقة من اثنتي عشرة "
            "دولة، من بينها فرق من المغرب ولبنان والنرويج وأيرلندا.</p>"
            '<p dir="rtl" lang="ar">وقالت مديرة المهرجان، سلمى الخطيب، إن فكرة المهرجان بسيطة: '
            "«الموسيقى التي وُلدت على البحر، يعزفها أناس يعيشون على البحر». وأضافت أن أغاني "
            "الصيادين وأهازيج البحارة تتشابه في كل الموانئ، مهما اختلفت اللغات، لأن العمل "
            "واحد والموج واحد.</p>"
            '<p dir="rtl" lang="ar">وتُقام الحفلات على ثلاث منصات، إحداها فوق سطح مركب صيد '
            "قديم رُمِّم خصيصاً لهذه المناسبة. كما يتضمن البرنامج ورشاً لتعليم الأطفال العزف "
            "على الطبول وصناعة آلات موسيقية بسيطة من مواد يجمعونها من الشاطئ.</p>"
            '<p dir="rtl" lang="ar">وقد موّل المجلس البلدي نصف تكاليف المهرجان، فيما جاء '
            "النصف الآخر من تبرعات أصحاب المتاجر والمطاعم على الواجهة البحرية، الذين يأملون "
            "أن يجذب المهرجان الزوار في موسم يشهد عادة تراجعاً في الحركة.</p>"
            '<p dir="rtl" lang="ar">ويبدأ المهرجان مساء الجمعة بموكب من القوارب المضاءة '
            "يدخل الميناء عند غروب الشمس، ويُختتم مساء الأحد بحفل مشترك تعزف فيه جميع الفرق "
            "معاً. والدخول مجاني، لكن المنظمين ينصحون الزوار بالوصول مبكراً لأن المساحة على "
            "الرصيف محدودة.</p>"
        ),
        "media": [],
    },
    {
        "slug": "trawler-morning-star-survivor-account",
        "headline": "'The sea came in through the wheelhouse': survivor describes the night "
        "the Morning Star went down",
        "standfirst": (
            "The only surviving crewman of the trawler lost off Saltings Point speaks for the "
            "first time, as the inquiry into the sinking opens."
        ),
        "authors": ["Eleanor Vance"],
        "dateline": "HARBOURMOUTH",
        "section": "news",
        "tags": ["fishing", "maritime safety", "inquiry"],
        "days_ago": 8,
        # Grief and an open inquiry: every republication is read by an editor first.
        "syndication_status": "restricted",
        "body_html": _p(
            "Sean Gallagher remembers the moment the Morning Star began to roll and did not "
            "come back. “There was no bang, nothing dramatic,” he said. “She just kept going "
            "over, and then the sea came in through the wheelhouse door.”",
            "Mr Gallagher, 34, was the only one of the trawler's four crew to survive when she "
            "capsized eleven miles off Saltings Point in the early hours of 9 February. He "
            "spent almost three hours in the water, holding on to a fish box, before he was "
            "found by the Kelsey Bay lifeboat.",
            "He spoke to the Courier at his mother's house in Upper Town, a week before the "
            "marine accident inquiry into the sinking opens. He said he wanted people to "
            "remember the men who died, not the manner of their deaths: the skipper, Alan "
            "Duthie, 58, and deckhands Jamie Rowe, 22, and Kristaps Ozols, 41.",
            "“Alan had fished that ground for thirty years. He was careful. People will want "
            "to say somebody did something wrong, and maybe the inquiry will find that, but I "
            "was there and I did not see it.”",
            "The inquiry is expected to examine changes made to the vessel's deck gear in the "
            "autumn before she sank, and the weather forecast issued that night. A fund set up "
            "by the harbour's fishermen's mission for the families has raised £212,000.",
        ),
        "media": [],
    },
    {
        "slug": "students-build-seaweed-battery",
        "headline": "Students build a working battery from harbour seaweed",
        "standfirst": (
            "A project at Wendmouth College turned kelp into the carbon for an electrode, and "
            "lit a string of lights for a week."
        ),
        "authors": ["Tomasz Rybak"],
        "dateline": "WENDMOUTH",
        "section": "science",
        "tags": ["science", "education", "batteries", "seaweed"],
        "days_ago": 12,
        "body_html": _p(
            "A group of second-year engineering students at Wendmouth College have built a "
            "battery whose electrodes are made partly from seaweed gathered on the harbour "
            "foreshore.",
            "The students dried and baked kelp at high temperature to produce a porous carbon, "
            "which they used in place of the graphite normally found in a battery's anode. "
            "Their prototype, about the size of a shoebox, powered a string of LED lights in "
            "the college foyer for eight days on a single charge.",
            "“It is not going to replace the battery in your phone,” said Kwame Mensah, one of "
            "the five students. “But kelp grows a metre a week out there and nobody is using "
            "it. If you can make a decent carbon from it cheaply, that is interesting.”",
            "Their supervisor, Dr Helen Achterberg, said seaweed-derived carbon was an active "
            "area of research, and that the students had reached a capacity “respectable for "
            "a first attempt with college equipment”. The team has entered the design for a "
            "national student engineering prize, and plans to test whether different species "
            "of seaweed give better results.",
        ),
        "media": [],
    },
    {
        "slug": "night-clinic-for-fishers-cuts-waits",
        "headline": "Night clinic for fishers cuts waits for check-ups from months to days",
        "standfirst": (
            "A nurse-led clinic that opens when the boats come in has seen 600 patients in "
            "its first year."
        ),
        "authors": ["Priya Nandakumar"],
        "dateline": "HARBOURMOUTH",
        "section": "health",
        "tags": ["health", "fishing", "NHS"],
        "days_ago": 20,
        "body_html": _p(
            "A health clinic that opens at the fish market between 10pm and 2am has seen more "
            "than 600 fishers and market workers in its first year, many of whom had not seen "
            "a doctor or nurse for years.",
            "The clinic, run by two nurses from the Harbourmouth practice in a converted "
            "portakabin by the ice plant, offers blood pressure and diabetes checks, hearing "
            "tests and advice on the back and shoulder injuries common in the trade. Patients "
            "who need a doctor are booked into a daytime slot that fits around their tides.",
            "“Fishermen don't go to the GP,” said Brenda Harkness, one of the nurses. “It's "
            "not that they don't care. It's that the surgery is open when they are asleep or "
            "at sea. So we open when they are here.”",
            "In its first year the clinic found 41 cases of untreated high blood pressure and "
            "referred 12 people for suspected skin cancer, a risk for men who work outdoors "
            "all their lives. The health board has agreed to fund it for two more years.",
        ),
        "media": [],
    },
]

# ---------------------------------------------------------------------------------------------
# Partners. Keyed by name. The first commercial partner is the one the demo login acts for.
# ---------------------------------------------------------------------------------------------

DEMO_PARTNER = "Northgate Daily"

PARTNERS: list[dict[str, Any]] = [
    {
        "name": DEMO_PARTNER,
        "partner_type": "commercial",
        "country": "GB",
        "website": "https://northgate-daily.example/",
        "domains": ["northgate-daily.example"],
        "monthly_uniques": 120_000,
        "print_circulation": 18_000,
        "billing_email": "accounts@northgate-daily.example",
        "verified": True,
        "contacts": [
            {"name": "Rosa Lindqvist", "email": "rosa@northgate-daily.example", "role": "Editor"},
            {
                "name": "Owen Pritchard",
                "email": "owen@northgate-daily.example",
                "role": "Syndication desk",
            },
        ],
    },
    {
        "name": "Coastal Futures Trust",
        "partner_type": "nonprofit",
        "country": "GB",
        "website": "https://coastal-futures.example/",
        "domains": ["coastal-futures.example"],
        "monthly_uniques": 8_000,
        "billing_email": "office@coastal-futures.example",
        "verified": False,
        "contacts": [
            {"name": "Imogen Hale", "email": "imogen@coastal-futures.example", "role": "Comms"}
        ],
    },
    {
        "name": "Wendmouth College",
        "partner_type": "education",
        "country": "GB",
        "website": "https://wendmouth-college.example/",
        "domains": ["wendmouth-college.example"],
        "monthly_uniques": 3_000,
        "billing_email": "library@wendmouth-college.example",
        "verified": True,
        "contacts": [
            {"name": "Nadia Rahman", "email": "nadia@wendmouth-college.example", "role": "Library"}
        ],
    },
    {
        "name": "Saltings FM",
        "partner_type": "broadcaster",
        "country": "IE",
        "website": "https://saltings-fm.example/",
        "domains": ["saltings-fm.example"],
        "monthly_uniques": 250_000,
        "billing_email": "finance@saltings-fm.example",
        "verified": True,
        "contacts": [
            {"name": "Cian Moloney", "email": "cian@saltings-fm.example", "role": "News editor"}
        ],
    },
    {
        "name": "Harbourmouth District Council",
        "partner_type": "government",
        "country": "GB",
        "website": "https://harbourmouth-council.example/",
        "domains": ["harbourmouth-council.example"],
        "monthly_uniques": 2_000,
        "billing_email": "payables@harbourmouth-council.example",
        "verified": True,
        # Councils pay on invoice, never by card.
        "payment_method": "invoice",
        "payment_terms_days": 30,
        "contacts": [
            {
                "name": "Gareth Lowe",
                "email": "gareth.lowe@harbourmouth-council.example",
                "role": "Communications officer",
            }
        ],
    },
    {
        "name": "Jo Marlow",
        "partner_type": "individual",
        "country": "US",
        "website": "https://jomarlow-writes.example/",
        "domains": ["jomarlow-writes.example"],
        "monthly_uniques": 1_200,
        "billing_email": "jo@jomarlow-writes.example",
        "verified": False,
        "contacts": [{"name": "Jo Marlow", "email": "jo@jomarlow-writes.example", "role": ""}],
    },
    {
        "name": "Atlantic Weekly Group",
        "partner_type": "commercial",
        "country": "US",
        "website": "https://atlantic-weekly.example/",
        "domains": ["atlantic-weekly.example"],
        "monthly_uniques": 900_000,
        "print_circulation": 60_000,
        "billing_email": "ap@atlantic-weekly.example",
        "verified": True,
        "payment_method": "invoice",
        "payment_terms_days": 45,
        "trusted": True,
        "contract_monthly_allowance": 10,
        "contract_fixed_price": D("900.00"),
        "contract_currency": "GBP",
        "contacts": [
            {
                "name": "Marcus Bell",
                "email": "marcus@atlantic-weekly.example",
                "role": "Managing editor",
            }
        ],
    },
]

# ---------------------------------------------------------------------------------------------
# The standard rate card (GBP)
# ---------------------------------------------------------------------------------------------

RATE_CARD: dict[str, Any] = {
    "name": "Standard rates",
    "currency": "GBP",
    "effective_from": date(2025, 1, 1),
    "published": True,
    "excerpt_max_words": 300,
    "exclusivity_factor": D("2"),
    "translation_factor": D("1.25"),
    "image_fee": D("25.00"),
    "premium_surcharge_percent": D("50"),
    "minimum_fee": D("30.00"),
    "rounding_increment": D("0"),
    "auto_approve_free": True,
    "auto_approve_verified_max": D("250.00"),
    "blocked_countries": ["KP"],
    "validity_days": 30,
    "notes": "Demo card created by seed_demo.",
}

_FULL_FEES = {"web": 100, "print": 150, "newsletter": 60, "broadcast": 120, "translation": 140,
              "education": 40, "intranet": 50, "book": 200}  # fmt: skip
_PORTION_SHARE = {"full": D("1"), "excerpt": D("0.5"), "summary": D("0.2")}
BASE_FEES: list[tuple[str, str, Decimal]] = [
    (use, portion, (D(amount) * share).quantize(D("0.01")))
    for use, amount in _FULL_FEES.items()
    for portion, share in _PORTION_SHARE.items()
]
FACTORS: list[tuple[str, str, Decimal]] = [
    ("requester", "commercial", D("1")),
    ("requester", "nonprofit", D("0.5")),
    ("requester", "education", D("0.4")),
    ("requester", "broadcaster", D("1.2")),
    ("requester", "government", D("1")),
    ("requester", "individual", D("0.6")),
    ("medium", "broadcast", D("1.5")),
    ("medium", "book", D("1.25")),
]
REACH_TIERS: list[tuple[int, Decimal]] = [
    (0, D("1")),
    (100_000, D("1.5")),
    (1_000_000, D("2.5")),
    (10_000_000, D("4")),
]
EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
      "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]  # fmt: skip
TERRITORIES: list[dict[str, Any]] = [
    {"code": "gb", "label": "United Kingdom", "countries": ["GB"], "factor": D("1")},
    {"code": "eu", "label": "European Union", "countries": EU, "factor": D("1.3")},
    {"code": "north-america", "label": "North America", "countries": ["US", "CA", "MX"],
     "factor": D("1.5")},
    {"code": "worldwide", "label": "Worldwide", "countries": [], "factor": D("2")},
    # Includes a blocked country, so the card refuses it: shows the refusal in the demo.
    {"code": "east-asia", "label": "East Asia", "countries": ["JP", "KR", "KP", "TW"],
     "factor": D("1.4")},
]  # fmt: skip
TERMS: list[dict[str, Any]] = [
    {"code": "30d", "label": "30 days", "days": 30, "factor": D("1")},
    {"code": "1y", "label": "1 year", "days": 365, "factor": D("1.5")},
    {"code": "perpetual", "label": "Perpetual", "days": None, "factor": D("3")},
]
BUNDLE_DISCOUNTS: list[tuple[int, Decimal]] = [(3, D("10")), (10, D("25"))]
FREE_USES: list[dict[str, str]] = [
    {"label": "Non-profit education", "use_type": "education", "requester_type": "education"},
]

# ---------------------------------------------------------------------------------------------
# Sample requests. Keyed by (partner, intended_url). `then` lists what staff do next.
# ---------------------------------------------------------------------------------------------

SAMPLE_REQUESTS: list[dict[str, Any]] = [
    {
        # Unverified partner: the card cannot approve it, so it waits in the queue.
        "partner": "Coastal Futures Trust",
        "articles": ["tide-gauges-sea-wall-overtopped-a-decade-early"],
        "use": {"use_type": "web", "portion": "full", "territory": "gb", "term": "1y"},
        "intended_url": "https://coastal-futures.example/news/sea-wall",
        "message": "We would like to share this with our members in our monthly round-up.",
        "then": [],
    },
    {
        # Over the automatic limit; staff have picked it up.
        "partner": "Saltings FM",
        "articles": ["fish-market-auction-app-halves-landing-waits"],
        "use": {"use_type": "broadcast", "portion": "full", "territory": "eu", "term": "1y"},
        "intended_url": "https://saltings-fm.example/morning-show",
        "message": "For the morning news bulletin, read on air.",
        "then": ["start_review"],
    },
    {
        # Staff approved it; the partner has not paid yet.
        "partner": DEMO_PARTNER,
        "articles": [
            "lighthouse-keepers-logbooks-go-on-show",
            "rowing-club-wins-coastal-regatta",
        ],
        "use": {"use_type": "print", "portion": "full", "territory": "gb", "term": "1y"},
        "intended_url": "https://northgate-daily.example/print/weekend",
        "message": "For the weekend print edition.",
        "channel": "api",
        "then": ["approve"],
    },
    {
        # Free educational use: approved and fulfilled by the card on its own.
        "partner": "Wendmouth College",
        "articles": ["students-build-seaweed-battery"],
        "use": {"use_type": "education", "portion": "full", "territory": "gb", "term": "1y"},
        "intended_url": "https://wendmouth-college.example/courses/eng201",
        "message": "Course pack for ENG201.",
        "then": [],
    },
    {
        # Within the automatic limit for a verified partner; paid offline, so licences issued.
        "partner": "Harbourmouth District Council",
        "articles": ["council-keeps-ferry-subsidy-three-more-years"],
        "use": {"use_type": "intranet", "portion": "full", "territory": "gb", "term": "30d"},
        "intended_url": "https://harbourmouth-council.example/intranet/news",
        "message": "Staff intranet news page.",
        "then": ["mark_paid"],
    },
]


def embargo_until(now: Any, days: int) -> Any:
    """An embargo a few days ahead, on the hour, so the demo shows a quote refused for it."""
    return (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
