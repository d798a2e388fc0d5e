"""English pages: the body without the banners, bylines and link lists around it."""

from __future__ import annotations

from dedup.extract import extract_document, extract_html

PARAGRAPHS = [
    "The town council voted on Tuesday to rebuild the old harbour wall before next winter.",
    "Engineers said the wall had lost a third of its stones in the storms of the past two years.",
    "Work will start in May.",
    "The council expects the repairs to cost about 2.4 million pounds, shared with the port.",
]
RELATED = [
    "Storm Brings Record Waves To The Northern Coast Again This Week",
    "Ferry Operators Warn Of Delays As Harbour Repairs Are Planned In Spring",
    "Local Schools Join A Project To Measure Sea Levels Along The Bay",
]


def text_page() -> str:
    return "\n".join(
        [
            "Home | News | Business | Sport | Weather",
            "Harbour wall to be rebuilt before winter",
            "Posted on March 12, 2019 by Ann Carter",
            "",
            "PORTLAND (Reuters) - " + PARAGRAPHS[0],
            *PARAGRAPHS[1:],
            "Share this: Facebook | Twitter | Email",
            "Related articles",
            *[f"- {title}." for title in RELATED],
            "We use cookies to improve your experience on our site and to show you relevant "
            "advertising. By continuing to browse, you agree to our use of cookies.",
            "Sign up for our newsletter to get the best stories delivered to your inbox.",
            "Leave a comment",
            "Copyright © 2019 Harbour Times. All rights reserved.",
        ]
    )


def test_an_english_text_page_keeps_its_article_only() -> None:
    document = extract_document(text_page(), "harbour.txt")
    assert document.title == "Harbour wall to be rebuilt before winter"
    assert document.source == "Reuters"
    body = document.body
    assert body.startswith("PORTLAND (Reuters) - The town council")
    assert body.endswith("shared with the port.")
    for noise in ("cookies", "newsletter", "Related", "Storm Brings", "Posted on", "Share this"):
        assert noise not in body


def test_an_english_html_page_keeps_its_article_only() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    related = "".join(f"<li><a href='/{i}'>{t}</a></li>" for i, t in enumerate(RELATED))
    page = (
        "<html><body><div id='cookies'><p>We use cookies to improve your experience on our "
        "site. By continuing to browse, you agree to our use of cookies and our cookie policy."
        "</p></div><nav><a href='/'>Home</a> | <a href='/news'>News</a></nav><article>"
        "<h1>Harbour wall to be rebuilt before winter</h1><p>By Ann Carter, Harbour Times | "
        f"12 March 2019</p>{paragraphs}</article><aside><h2>Related articles</h2><ul>{related}"
        "</ul></aside><div><h3>Sign up for our newsletter</h3><p>Get the day's top stories "
        "delivered to your inbox every morning.</p></div><footer>© 2019 Harbour Times. All "
        "rights reserved.</footer></body></html>"
    )
    document = extract_html(page, "harbour.html")
    assert document.body.split("\n")[0].startswith("The town council voted")
    assert document.body.endswith("shared with the port.")
    for noise in ("cookies", "newsletter", "Storm Brings", "Ann Carter"):
        assert noise not in document.body


def test_an_english_page_of_short_sentences_keeps_them_all() -> None:
    sentences = [
        "A man was hit by air rifle pellets as he walked home on Saturday night.",
        "He was shot in the chest and the hand.",
        "Police called it a random attack.",
        "The man did not see who fired.",
        "Officers have asked witnesses to come forward.",
    ]
    doc = extract_document("Man hit by air rifle pellets\n\n" + "\n".join(sentences), "a.txt")
    assert doc.title == "Man hit by air rifle pellets"
    assert doc.body.split("\n") == sentences
