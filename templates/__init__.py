"""Reply templates: `<language>/<category>.j2`, one per complaint category and language.

Categories: delivery, damaged, refund, staff, app, other. Languages: en, de, es, fr, it, ja, pt
(written in Brazilian Portuguese), ru. A language without a template for a category falls back
to English. Files starting with "_" are shared pieces, not replies: `<language>/_parts.j2`
holds the greeting, the invitation to a private channel and the closing of that language.

Every reply template has four blocks, in this order:

    {% block apology %}     greets the customer and apologises (always first)
    {% block remedy %}      what we will do about it
    {% block invitation %}  asks for details in private, never in public
    {% block signature %}   who signs

Text inside `{% if not short %}...{% endif %}` is optional: it is left out when the platform's
length limit is tight. If the reply is still too long, the drafter shortens the remedy block
(whole sentences first); the other three blocks are never cut.

Variables (all plain text, the customer's words are never run as a template):
    customer   the author's name without "@" or "u/", or none (use a neutral greeting)
    brand      the brand the team answers for        channel    where to send details
    signature  who signs the reply                   short      true when space is tight
    platform   the source name ("twitter", "google_play", ...)
    rating     the review's stars, or none           title      the review's title, or none
    category   the complaint category                language   the template's language

To change the wording without editing the package, set `drafts.template_dir` to a directory
with the same layout: a file there replaces the packaged file of the same name, and new files
(`en/refund_vip.j2`, `ko/delivery.j2`) add templates. Replacing a `_parts.j2` replaces all of
it, so copy the whole file and edit the copy.
"""
