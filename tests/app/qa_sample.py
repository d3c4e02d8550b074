"""The French/English sample of the quality-check tests (API and CLI): three paragraphs with a
number that differs, and openings to vary it by. Plain constants, no fixtures."""

FR = (
    "Le Conseil condamne la traite des personnes.\n\n"
    "Les États Membres ont adopté la résolution A/RES/74/176 le 18 décembre 2019.\n\n"
    "Il y a 1 500 victimes de la traite dans la région.\n"
)
EN = (
    "The Council condemns trade in persons.\n\n"
    "The Member States adopted resolution A/RES/74/176 on 18 December 2019.\n\n"
    "There are 1,600 victims of trafficking in the region.\n"
)

# openings that replace "Le Conseil condamne" / "The Council condemns" to make several documents
CONTEXTS = [
    ("Le Conseil condamne", "The Council condemns"),
    ("La Commission examine", "The Commission considers"),
    ("Le rapport décrit", "The report describes"),
]
