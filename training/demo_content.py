"""French editorial content of the demo: site pages and the course sheets of the catalogue.

Titles, durations, prerequisites, audiences and funding of the courses come from Promotion
Santé Occitanie's 2025 activity report (see /work/shared/research/seeds-brief.md §2); the
texts are written for the demo. Rich-text values are Wagtail HTML; programme and body
values use Wagtail's raw StreamField form (a list of {"type", "value"} dicts).
"""

from decimal import Decimal

from cms.choices import CourseLevel

CONTACT_NAME = "Géraldine Tisserant, coordinatrice pédagogique"
CONTACT_EMAIL = "formation@promotion-sante-occitanie.org"

HOME_PAGE = {
    "title": "Promotion Santé Occitanie",
    "slug": "home",
    "intro": (
        "<p>Promotion Santé Occitanie forme les professionnels, les bénévoles et les élus de la région "
        "à la promotion de la santé : compétences psychosociales, santé mentale, santé environnement, "
        "inégalités sociales de santé… Trouvez une session près de chez vous, dans l'un des "
        "13 départements d'Occitanie, et inscrivez-vous en ligne.</p>"
    ),
}

CATALOGUE_PAGE = {
    "title": "Nos formations",
    "slug": "formations",
    "intro": (
        "<p>Des formations courtes, en présentiel, au plus près des territoires. Les sessions du Drapps "
        "sont financées par l'ARS Occitanie : vous ne payez pas les frais pédagogiques. La plupart de nos "
        "formations peuvent aussi être organisées au sein de votre structure.</p>"
    ),
}


def _heading(text: str) -> dict:
    return {"type": "heading", "value": text}


def _paragraph(html: str) -> dict:
    return {"type": "paragraph", "value": html}


CONTENT_PAGES = [
    {
        "slug": "accessibilite",
        "title": "Déclaration d'accessibilité",
        "intro": (
            "Promotion Santé Occitanie veut que ce site soit utilisable par toutes et tous, "
            "quels que soient le handicap, le matériel ou le logiciel utilisés."
        ),
        "body": [
            _heading("État de conformité"),
            _paragraph(
                "<p>Ce site vise la conformité au référentiel général d'amélioration de l'accessibilité "
                "(RGAA 4.1) et il est testé à chaque évolution avec un outil automatique. Faute d'audit "
                "complet réalisé à ce jour, il est déclaré <b>non conforme</b> au sens du RGAA ; cette "
                "déclaration sera mise à jour à l'issue de l'audit.</p>"
            ),
            _heading("Contenus qui peuvent poser problème"),
            _paragraph(
                "<p>Certains documents PDF (programmes, convocations, attestations) peuvent ne pas être "
                "entièrement accessibles. Sur simple demande, nous vous les transmettons dans un format "
                "adapté.</p>"
            ),
            _heading("Signaler un problème"),
            _paragraph(
                "<p>Si vous ne parvenez pas à consulter un contenu ou à vous inscrire, écrivez à notre "
                'référent handicap formation, <a href="mailto:handicap@promotion-sante-occitanie.org">'
                "handicap@promotion-sante-occitanie.org</a>, ou appelez le 05 61 77 86 86. Nous vous "
                "répondons sous 5 jours ouvrés et vous proposons une solution pour accéder à "
                "l'information ou au service.</p>"
            ),
            _heading("Voies de recours"),
            _paragraph(
                "<p>Si vous nous avez signalé un défaut d'accessibilité sans obtenir de réponse "
                "satisfaisante, vous pouvez saisir le Défenseur des droits, par le formulaire en ligne de "
                '<a href="https://www.defenseurdesdroits.fr">defenseurdesdroits.fr</a> ou par courrier '
                "gratuit, sans affranchissement : Défenseur des droits, Libre réponse 71120, "
                "75342 Paris CEDEX 07.</p>"
            ),
        ],
    },
    {
        "slug": "mentions-legales",
        "title": "Mentions légales",
        "intro": "Informations sur l'éditeur de ce site et sur l'organisme de formation.",
        "body": [
            _heading("Éditeur"),
            _paragraph(
                "<p>Ce site est édité par Promotion Santé Occitanie, association régie par la loi du "
                "1<sup>er</sup> juillet 1901, dont le siège est à Toulouse. Téléphone : 05 61 77 86 86 ; "
                'courriel : <a href="mailto:siege@promotion-sante-occitanie.org">'
                "siege@promotion-sante-occitanie.org</a>. La directrice de l'association est directrice de "
                "la publication.</p>"
            ),
            _heading("Organisme de formation"),
            _paragraph(
                "<p>Promotion Santé Occitanie est un organisme de formation enregistré auprès du préfet de "
                "la région Occitanie ; son numéro de déclaration d'activité figure en pied de page et sur "
                "chaque document remis aux stagiaires. Cet enregistrement ne vaut pas agrément de l'État. "
                "La certification qualité Qualiopi a été délivrée au titre de la catégorie d'actions "
                "suivante : actions de formation.</p>"
            ),
            _heading("Hébergement"),
            _paragraph(
                "<p>Le nom, l'adresse et le téléphone de l'hébergeur du site sont indiqués ici lors de sa "
                "mise en production.</p>"
            ),
            _heading("Propriété intellectuelle"),
            _paragraph(
                "<p>Les textes, programmes et documents publiés sur ce site appartiennent à Promotion Santé "
                "Occitanie, sauf mention contraire. Vous pouvez les citer en indiquant la source ; toute "
                "autre reproduction demande notre accord écrit.</p>"
            ),
        ],
    },
    {
        "slug": "reglement-interieur",
        "title": "Règlement intérieur",
        "intro": (
            "Règlement intérieur applicable aux stagiaires des formations de Promotion Santé Occitanie, "
            "établi en application des articles L. 6352-3 et R. 6352-1 et suivants du Code du travail."
        ),
        "body": [
            _heading("Champ d'application"),
            _paragraph(
                "<p>Ce règlement s'applique à toute personne qui suit une formation organisée par "
                "Promotion Santé Occitanie, pendant toute la durée de la formation et quel que soit le lieu "
                "où elle se déroule. Lorsque la formation a lieu dans les locaux d'une autre structure, les "
                "consignes d'hygiène et de sécurité de cette structure s'appliquent également.</p>"
            ),
            _heading("Horaires, présence et émargement"),
            _paragraph(
                "<p>Les stagiaires respectent les horaires indiqués sur la convocation. Ils signent la "
                "feuille d'émargement à chaque demi-journée. Toute absence ou tout retard est signalé au "
                "formateur ou à l'équipe formation dans les meilleurs délais ; l'attestation de fin de "
                "formation mentionne les heures effectivement suivies.</p>"
            ),
            _heading("Comportement et confidentialité"),
            _paragraph(
                "<p>Chacun contribue à un climat de respect mutuel et de bienveillance. Les situations "
                "professionnelles ou personnelles évoquées pendant la formation restent confidentielles. "
                "L'usage du téléphone est limité aux pauses, sauf nécessité professionnelle.</p>"
            ),
            _heading("Sanctions et procédure disciplinaire"),
            _paragraph(
                "<p>Un manquement au présent règlement peut donner lieu, selon sa gravité, à un "
                "avertissement ou à une exclusion de la formation. Aucune sanction n'est prise sans que le "
                "stagiaire ait été informé des griefs retenus contre lui et ait pu s'expliquer, dans les "
                "conditions prévues aux articles R. 6352-4 et suivants du Code du travail. L'employeur ou le "
                "financeur est informé de la sanction prise.</p>"
            ),
            _heading("Représentation des stagiaires"),
            _paragraph(
                "<p>Nos formations durant moins de 500 heures, il n'est pas procédé à l'élection de "
                "délégués des stagiaires. Vos remarques peuvent être adressées à tout moment à l'équipe "
                "formation ou exprimées dans les questionnaires d'évaluation.</p>"
            ),
        ],
    },
    {
        "slug": "donnees-personnelles",
        "title": "Données personnelles",
        "intro": "Comment Promotion Santé Occitanie utilise et protège les données des personnes qu'elle forme.",
        "body": [
            _heading("Responsable et données traitées"),
            _paragraph(
                "<p>Promotion Santé Occitanie est responsable des traitements réalisés sur ce site. Nous "
                "collectons le strict nécessaire à l'organisation des formations : identité, coordonnées, "
                "structure employeuse, profession et secteur d'activité, émargements, réponses aux "
                "questionnaires d'évaluation. Les besoins d'adaptation liés à un handicap ne sont "
                "enregistrés qu'avec votre consentement et ne sont visibles que du référent handicap et "
                "des formateurs de la session.</p>"
            ),
            _heading("Finalités et bases légales"),
            _paragraph(
                "<ul><li>gérer votre inscription et votre parcours de formation (mesures précontractuelles "
                "et contrat) ;</li><li>établir les documents obligatoires et rendre compte aux financeurs "
                "et aux auditeurs qualité (obligations légales) ;</li><li>mesurer la satisfaction et les "
                "effets des formations (intérêt légitime) ;</li><li>adapter la formation à votre "
                "situation de handicap (consentement).</li></ul>"
            ),
            _heading("Destinataires et durée de conservation"),
            _paragraph(
                "<p>Vos données sont accessibles à l'équipe formation et aux formateurs de votre session. "
                "Les financeurs, dont l'ARS Occitanie pour le Drapps, ne reçoivent que des bilans "
                "statistiques. Les données sont conservées le temps nécessaire à ces finalités et aux "
                "contrôles prévus par la loi, puis supprimées ou rendues anonymes.</p>"
            ),
            _heading("Vos droits"),
            _paragraph(
                "<p>Vous pouvez accéder à vos données, les faire rectifier ou effacer, en demander la "
                "portabilité, vous opposer à un traitement ou en demander la limitation, et retirer votre "
                'consentement à tout moment, en écrivant à <a href="mailto:rgpd@promotion-sante-occitanie.org">'
                "rgpd@promotion-sante-occitanie.org</a>. Si vous estimez que vos droits ne sont pas "
                'respectés, vous pouvez adresser une réclamation à la CNIL (<a href="https://www.cnil.fr">'
                "cnil.fr</a>).</p>"
            ),
        ],
    },
]

# Texts shared by every course sheet.
TEACHING_METHODS = (
    "<p>Une pédagogie active, qui part de l'expérience et des situations de travail des participants :</p>"
    "<ul><li>apports théoriques courts, appuyés sur les connaissances scientifiques actuelles ;</li>"
    "<li>travaux en petits groupes, études de cas et mises en situation ;</li>"
    "<li>découverte et prise en main d'outils d'intervention du centre de ressources ;</li>"
    "<li>échanges de pratiques entre professionnels de secteurs différents.</li></ul>"
    "<p>Un support de formation et une sélection de ressources sont remis à chaque participant. "
    "Les formateurs sont spécialisés en éducation et promotion de la santé.</p>"
)

EVALUATION_METHODS = (
    "<ul><li><b>À l'entrée</b> : questionnaire de positionnement sur vos attentes et vos connaissances.</li>"
    "<li><b>Pendant la formation</b> : exercices, études de cas et mises en situation commentés.</li>"
    "<li><b>À la fin</b> : quiz ou auto-évaluation de l'atteinte des objectifs, et questionnaire de "
    "satisfaction « à chaud ».</li>"
    "<li><b>Six mois après</b> : questionnaire sur la mise en pratique de ce que vous avez appris.</li></ul>"
    "<p>Une attestation de fin de formation, qui rappelle les objectifs et les heures suivies, est remise "
    "à chaque participant.</p>"
)

ACCESS_DELAY = (
    "Inscription en ligne sur ce site, au plus tard 7 jours avant le premier jour de la session et dans la "
    "limite des places disponibles. Vous recevez une réponse sous 5 jours ouvrés, puis une convocation avec "
    "le lieu et les horaires. Quand la session est complète, vous pouvez vous inscrire sur liste d'attente. "
    "Pour une formation organisée dans votre structure, comptez en général deux à trois mois entre la "
    "demande et le premier jour."
)

ACCESSIBILITY = (
    "Nos formations sont ouvertes aux personnes en situation de handicap. Nous choisissons des lieux "
    "accessibles et pouvons adapter le rythme, les supports et les modalités d'évaluation. Pour en parler "
    "en toute confidentialité, contactez notre référent handicap avant la session, idéalement dès votre "
    "inscription, ou indiquez votre besoin dans le formulaire d'inscription."
)

PRICE_DRAPPS = (
    "Sessions du Drapps : les frais pédagogiques sont entièrement financés par l'ARS Occitanie, "
    "l'inscription est donc gratuite. Les frais de déplacement, de repas et d'hébergement restent à la "
    "charge des participants ou de leur employeur."
)
PRICE_INTRA_TOO = (
    " Cette formation peut aussi être organisée au sein de votre structure (intra) : tarif sur devis, "
    "établi après une analyse de vos besoins."
)
PRICE_INTRA_ONLY = (
    "Formation organisée au sein de votre structure (intra), sur devis établi après une analyse de vos "
    "besoins. Elle peut être prolongée par un accompagnement méthodologique de votre projet."
)
PRICE_PSSM = (
    "En inter : tarif par participant indiqué sur chaque session, pouvant être pris en charge par "
    "l'employeur. En intra : sur devis. Les frais de déplacement, de repas et d'hébergement restent à la "
    "charge des participants ou de leur employeur."
)

CPS_LEVEL_1_PREREQUISITE = "Avoir suivi la formation CPS de niveau 1"


def _step(title: str, hours: str, content: str) -> dict:
    return {"type": "step", "value": {"title": title, "duration_hours": hours, "content": content}}


# One dict per course, in creation order (a prerequisite course comes before the courses that
# require it). `short` is the course part of session codes; `themes` and `audiences` are slugs of
# the reference lists loaded by the cms migrations.
COURSES = [
    {
        "short": "CPS1",
        "slug": "cps-niveau-1",
        "title": (
            "Soutenir le développement des compétences psychosociales : posture professionnelle et outils pratiques"
        ),
        "level": CourseLevel.LEVEL_1,
        "duration_days": Decimal("3"),
        "duration_hours": Decimal("21"),
        "themes": ["competences-psychosociales"],
        "audiences": ["tout-public"],
        "audience_text": (
            "Tout public : professionnels, bénévoles et élus qui accompagnent des enfants, des jeunes ou des "
            "adultes, quel que soit leur secteur d'intervention."
        ),
        "prerequisites": "",
        "prerequisite_slugs": [],
        "offered_inter": True,
        "offered_intra": True,
        "nsf_code": "330",
        "price_text": PRICE_DRAPPS + PRICE_INTRA_TOO,
        "summary": (
            "Trois jours pour comprendre ce que sont les compétences psychosociales, pourquoi elles comptent "
            "pour la santé et comment les soutenir au quotidien par sa posture et des outils d'animation simples."
        ),
        "description": (
            "<p>Gérer ses émotions et son stress, communiquer, coopérer, faire des choix éclairés : ces "
            "compétences psychosociales (CPS) sont un déterminant reconnu de la santé physique, mentale et "
            "sociale. Elles se construisent tout au long de la vie, et d'abord dans l'enfance, au contact des "
            "adultes et des milieux éducatifs.</p>"
            "<p>La stratégie nationale 2022-2037 de développement des CPS chez les enfants et les jeunes donne "
            "un cadre commun à tous les secteurs : éducation, social, santé, justice, loisirs. Elle invite "
            "chacun à agir à la fois sur les personnes et sur leur environnement.</p>"
            "<p>Cette formation d'initiation permet d'entrer concrètement dans ce cadre : repères théoriques, "
            "réflexion sur sa posture, expérimentation d'outils transférables dans sa pratique.</p>"
        ),
        "general_objective": (
            "Comprendre la démarche de développement des compétences psychosociales et savoir l'appliquer "
            "dans sa pratique professionnelle."
        ),
        "objectives": [
            "Définir les compétences psychosociales et situer le cadre national de leur déploiement",
            "Expliquer le lien entre promotion de la santé et développement des CPS",
            "Adopter une posture professionnelle qui favorise le développement des CPS des publics accompagnés",
            "Identifier les étapes d'une action visant à renforcer les CPS",
            "Utiliser des techniques et des outils d'animation adaptés à son public",
        ],
        "programme": [
            _step(
                "Les compétences psychosociales : de quoi parle-t-on ?",
                "3.5",
                "<p>Définitions et classification (compétences cognitives, émotionnelles et sociales), "
                "données probantes, stratégie nationale 2022-2037.</p>",
            ),
            _step(
                "Promotion de la santé et CPS",
                "3.5",
                "<p>Déterminants de la santé, charte d'Ottawa, approche positive centrée sur les ressources "
                "des personnes, inégalités sociales de santé.</p>",
            ),
            _step(
                "Une posture professionnelle qui soutient les CPS",
                "7",
                "<p>Écoute, valorisation, pratiques éducatives favorables, climat bienveillant ; analyse de "
                "situations vécues par les participants.</p>",
            ),
            _step(
                "Techniques et outils d'animation",
                "3.5",
                "<p>Découverte et expérimentation d'outils du centre de ressources ; choisir un outil selon "
                "son public et ses objectifs.</p>",
            ),
            _step(
                "Construire une action CPS dans sa structure",
                "3.5",
                "<p>Étapes d'un projet, partenaires, conditions de réussite, premiers éléments "
                "d'évaluation ; bilan de la formation.</p>",
            ),
        ],
    },
    {
        "short": "CPS2S",
        "slug": "cps-niveau-2-strategie",
        "title": (
            "Mise en œuvre d'une stratégie de développement des compétences psychosociales à l'échelle "
            "d'une structure, d'un réseau ou d'un territoire"
        ),
        "level": CourseLevel.LEVEL_2,
        # Demo value: the seeds do not give the duration of the level-2 courses.
        "duration_days": Decimal("2"),
        "duration_hours": Decimal("14"),
        "themes": ["competences-psychosociales", "methodologie-de-projet"],
        "audiences": ["social-medico-social", "enfance-jeunesse", "education-nationale", "collectivites"],
        "audience_text": (
            "Professionnels de tout champ d'activité (coordinateurs, chefs de service, chargés de projet…) "
            "qui veulent inscrire les CPS dans les projets de leur structure, d'un réseau ou d'un territoire."
        ),
        "prerequisites": CPS_LEVEL_1_PREREQUISITE,
        "prerequisite_slugs": ["cps-niveau-1"],
        "offered_inter": True,
        "offered_intra": True,
        # Left without an NSF code in the demo: the BPF (`manage.py bpf`) lists it among what to complete.
        "nsf_code": "",
        "price_text": PRICE_DRAPPS + PRICE_INTRA_TOO,
        "summary": (
            "Pour les professionnels déjà formés aux CPS : passer d'actions isolées à une stratégie cohérente, "
            "portée par une équipe, un réseau de partenaires ou un territoire."
        ),
        "description": (
            "<p>Renforcer les compétences psychosociales des enfants et des jeunes produit des effets durables "
            "lorsque les actions s'inscrivent dans le temps, impliquent les adultes qui les entourent et "
            "s'appuient sur plusieurs milieux de vie à la fois.</p>"
            "<p>Au-delà de l'animation de séances, il s'agit donc de construire une stratégie : analyser les "
            "besoins et les ressources, mobiliser une équipe et des partenaires, planifier, suivre et "
            "évaluer.</p>"
            "<p>Cette formation de niveau 2, volet coordination du parcours CPS, outille les professionnels "
            "qui portent ou coordonnent ce type de démarche.</p>"
        ),
        "general_objective": (
            "Concevoir et piloter une stratégie de développement des compétences psychosociales adaptée à sa "
            "structure, à son réseau ou à son territoire."
        ),
        "objectives": [
            "Réaliser un état des lieux des besoins, des ressources et des actions CPS existantes",
            "Définir des objectifs et une stratégie d'intervention cohérents avec les repères de Santé publique France",
            "Mobiliser une équipe et des partenaires autour d'un projet CPS partagé",
            "Construire un plan de suivi et d'évaluation de la stratégie",
        ],
        "programme": [
            _step(
                "Retour sur les acquis du niveau 1 et sur les pratiques",
                "3.5",
                "<p>Actualisation des repères sur les CPS ; partage des actions menées par les participants.</p>",
            ),
            _step(
                "Diagnostic partagé : besoins, ressources, environnements",
                "3.5",
                "<p>Méthodes et outils d'état des lieux ; identifier les milieux de vie et les acteurs à "
                "mobiliser.</p>",
            ),
            _step(
                "De la stratégie au plan d'action",
                "3.5",
                "<p>Objectifs, priorités, gouvernance, place des publics ; travail sur le projet de chaque "
                "participant.</p>",
            ),
            _step(
                "Piloter, suivre et évaluer la démarche",
                "3.5",
                "<p>Indicateurs, outils de suivi, formation et soutien des intervenants, communication "
                "auprès des partenaires.</p>",
            ),
        ],
    },
    {
        "short": "CPS2A",
        "slug": "cps-niveau-2-animation",
        "title": "Conception et animation de séances sur les compétences psychosociales",
        "level": CourseLevel.LEVEL_2,
        # Demo value: the seeds do not give the duration of the level-2 courses.
        "duration_days": Decimal("2"),
        "duration_hours": Decimal("14"),
        "themes": ["competences-psychosociales"],
        "audiences": ["enfance-jeunesse", "education-nationale", "social-medico-social"],
        "audience_text": (
            "Professionnels de tout champ d'activité qui animent, ou souhaitent animer, des séances sur les "
            "CPS auprès d'enfants, de jeunes ou d'adultes."
        ),
        "prerequisites": CPS_LEVEL_1_PREREQUISITE,
        "prerequisite_slugs": ["cps-niveau-1"],
        "offered_inter": True,
        "offered_intra": True,
        "nsf_code": "330",
        "price_text": PRICE_DRAPPS + PRICE_INTRA_TOO,
        "summary": (
            "Pour les professionnels formés au niveau 1 : concevoir un cycle de séances sur les CPS, choisir "
            "ses outils et animer avec des techniques participatives."
        ),
        "description": (
            "<p>Une séance sur les compétences psychosociales ne s'improvise pas : elle poursuit un objectif "
            "précis, s'adapte à l'âge et au vécu du groupe, et prend place dans un cycle de séances "
            "progressif.</p>"
            "<p>Cette formation de niveau 2, volet animation du parcours CPS, donne les moyens de construire "
            "et d'animer ces séances en s'appuyant sur des outils éprouvés et sur une posture favorable à "
            "l'expression et à la participation de chacun.</p>"
        ),
        "general_objective": (
            "Concevoir, animer et évaluer des séances de développement des compétences psychosociales "
            "adaptées à son public."
        ),
        "objectives": [
            "Concevoir une séance CPS dont les objectifs sont adaptés à l'âge et aux besoins du public",
            "Organiser plusieurs séances en un programme progressif et cohérent",
            "Choisir et adapter des outils et des techniques d'animation reconnus",
            "Animer une séance en adoptant une posture favorable au développement des CPS",
            "Évaluer une séance et ajuster son intervention",
        ],
        "programme": [
            _step(
                "Ce qui rend une intervention CPS efficace",
                "3.5",
                "<p>Repères issus de la recherche : approche expérientielle, durée, intensité, implication "
                "des adultes.</p>",
            ),
            _step(
                "Concevoir une séance puis un cycle de séances",
                "3.5",
                "<p>Objectifs, déroulé, choix des outils, progression ; travail en sous-groupes sur les "
                "publics des participants.</p>",
            ),
            _step(
                "Mises en situation d'animation",
                "3.5",
                "<p>Animation de séquences par les participants, retours du groupe et du formateur.</p>",
            ),
            _step(
                "Évaluer et ajuster ses séances",
                "3.5",
                "<p>Outils simples d'évaluation avec les participants ; analyse des difficultés "
                "rencontrées ; plan de mise en œuvre.</p>",
            ),
        ],
    },
    {
        "short": "CPSFA",
        "slug": "formaction-cps",
        "title": ("Form'action CPS : accompagner le déploiement des compétences psychosociales dans sa structure"),
        "level": CourseLevel.NONE,
        "duration_days": Decimal("4"),
        "duration_hours": Decimal("28"),
        "themes": ["competences-psychosociales", "methodologie-de-projet"],
        "audiences": ["social-medico-social", "enfance-jeunesse", "education-nationale", "collectivites"],
        "audience_text": (
            "Équipes de structures qui mènent déjà des interventions sur les CPS : établissements scolaires, "
            "centres sociaux, structures médico-sociales, missions locales, collectivités…"
        ),
        "prerequisites": (
            "La structure met déjà en œuvre des interventions sur les compétences psychosociales ; une "
            "formation CPS de niveau 1 est recommandée aux participants."
        ),
        "prerequisite_slugs": [],
        "offered_inter": False,
        "offered_intra": True,
        "nsf_code": "330",
        "price_text": PRICE_INTRA_ONLY,
        "summary": (
            "Quatre jours qui alternent apports et travail sur le projet de la structure : actualiser ses "
            "connaissances sur les CPS et faire évoluer ses interventions au regard des repères de Santé "
            "publique France."
        ),
        "description": (
            "<p>Les connaissances sur les compétences psychosociales et les repères de qualité des "
            "interventions évoluent. Les structures engagées depuis plusieurs années ont besoin de faire le "
            "point sur leurs pratiques et de les faire évoluer.</p>"
            "<p>La form'action réunit l'équipe d'une même structure : chaque journée associe des apports et "
            "un travail direct sur les interventions de la structure. Elle peut être suivie d'un "
            "accompagnement méthodologique approfondi pour mettre en œuvre les évolutions décidées.</p>"
        ),
        "general_objective": (
            "Renforcer la qualité des interventions CPS d'une structure au regard des repères actuels de "
            "Santé publique France."
        ),
        "objectives": [
            "Actualiser ses connaissances sur les CPS et sur les données probantes récentes",
            "Analyser les interventions CPS de sa structure au regard des repères de Santé publique France",
            "Identifier les évolutions à apporter au projet et les prioriser",
            "Élaborer un plan d'action pour mettre en œuvre ces évolutions",
        ],
        "programme": [
            _step(
                "Actualisation des connaissances sur les CPS",
                "7",
                "<p>Référentiel de Santé publique France, stratégie nationale, critères de qualité des "
                "interventions.</p>",
            ),
            _step(
                "Analyse des interventions de la structure",
                "7",
                "<p>Relecture des actions menées, points forts, écarts avec les repères de qualité.</p>",
            ),
            _step(
                "Faire évoluer le projet : priorités, posture, outils",
                "7",
                "<p>Choix des évolutions, travail sur la posture de l'équipe et sur les outils d'intervention.</p>",
            ),
            _step(
                "Plan d'action et suite de l'accompagnement",
                "7",
                "<p>Calendrier, rôles, indicateurs de suivi ; définition d'un éventuel accompagnement "
                "méthodologique.</p>",
            ),
        ],
    },
    {
        "short": "VIF",
        "slug": "violences-intrafamiliales",
        "title": "Comprendre les violences intrafamiliales",
        "level": CourseLevel.NONE,
        "duration_days": Decimal("2"),
        "duration_hours": Decimal("14"),
        "themes": ["violences"],
        "audiences": ["social-medico-social", "sante", "enfance-jeunesse", "education-nationale"],
        "audience_text": (
            "Professionnels du social, du médico-social, de la santé, de l'éducation et de l'animation "
            "susceptibles d'être en contact avec des victimes, majeures ou mineures."
        ),
        "prerequisites": "",
        "prerequisite_slugs": [],
        "offered_inter": True,
        "offered_intra": True,
        "nsf_code": "332",  # Travail social
        "price_text": PRICE_DRAPPS + PRICE_INTRA_TOO,
        "summary": (
            "Comprendre les mécanismes des violences au sein de la famille, repérer les situations, réagir "
            "et orienter les victimes, adultes comme enfants, dans le respect du cadre légal."
        ),
        "description": (
            "<p>Plus de 360 000 victimes de violences conjugales ou commises par un autre membre de la "
            "famille ont été recensées par les forces de sécurité en 2024. Beaucoup de professionnels les "
            "rencontrent sans toujours le savoir.</p>"
            "<p>Cette formation, créée en 2025, aide à comprendre les mécanismes en jeu, à repérer les "
            "victimes et à évaluer le danger, puis à les orienter rapidement, en lien avec les partenaires du "
            "territoire. Elle clarifie aussi les obligations professionnelles et le cadre légal.</p>"
        ),
        "general_objective": (
            "Repérer les situations de violences intrafamiliales et y répondre de façon adaptée, en lien "
            "avec le réseau des acteurs du territoire."
        ),
        "objectives": [
            "Décrire les formes de violences intrafamiliales et leurs mécanismes, dont l'emprise",
            "Repérer les signes de violence chez un adulte ou chez un enfant",
            "Évaluer le danger et adapter sa réponse à la situation",
            "Orienter la victime vers les acteurs et les dispositifs compétents du territoire",
            "Expliquer ses obligations professionnelles et le cadre légal du signalement",
        ],
        "programme": [
            _step(
                "Violences intrafamiliales : définitions, chiffres, mécanismes",
                "3.5",
                "<p>Formes de violences, cycle de la violence, emprise, conséquences sur les enfants exposés.</p>",
            ),
            _step(
                "Repérer et accueillir la parole",
                "3.5",
                "<p>Signes d'alerte, questionnement systématique, attitudes à privilégier et à éviter.</p>",
            ),
            _step(
                "Évaluer le danger, protéger et orienter",
                "3.5",
                "<p>Évaluation du danger, mise en sécurité, dispositifs d'aide et acteurs du territoire.</p>",
            ),
            _step(
                "Cadre légal et travail en réseau",
                "3.5",
                "<p>Secret professionnel, information préoccupante, signalement ; études de cas.</p>",
            ),
        ],
    },
    {
        "short": "SEPE",
        "slug": "sante-environnementale-perturbateurs-endocriniens",
        "title": "Santé environnementale et perturbateurs endocriniens",
        "level": CourseLevel.NONE,
        "duration_days": Decimal("2"),
        "duration_hours": Decimal("14"),
        "themes": ["sante-environnement", "petite-enfance-parentalite"],
        "audiences": ["enfance-jeunesse", "sante", "social-medico-social"],
        "audience_text": (
            "Professionnels de la périnatalité, de la petite enfance et de la santé, et toute personne qui "
            "accompagne de futurs parents ou de jeunes enfants."
        ),
        "prerequisites": "",
        "prerequisite_slugs": [],
        "offered_inter": True,
        "offered_intra": True,
        "nsf_code": "331",
        "price_text": PRICE_DRAPPS + PRICE_INTRA_TOO,
        "summary": (
            "Mieux connaître les perturbateurs endocriniens et les autres expositions de l'environnement "
            "intérieur pour accompagner futurs parents et jeunes enfants pendant les 1000 premiers jours."
        ),
        "description": (
            "<p>Les 1000 premiers jours, de la grossesse aux deux ans de l'enfant, sont une période où "
            "l'environnement compte particulièrement. L'exposition aux substances toxiques, dont les "
            "perturbateurs endocriniens, peut favoriser des troubles du neurodéveloppement et augmenter "
            "le risque de maladies chroniques à l'âge adulte.</p>"
            "<p>Cette formation, créée en 2025, donne des repères pour réduire ces expositions dans les lieux "
            "d'accueil des jeunes enfants et pour en parler avec les familles, dès le projet de grossesse, "
            "sans les culpabiliser.</p>"
        ),
        "general_objective": (
            "Agir pour limiter l'exposition des futurs parents et des jeunes enfants aux perturbateurs "
            "endocriniens et aux autres polluants du quotidien."
        ),
        "objectives": [
            "Définir la santé environnementale et les perturbateurs endocriniens",
            "Identifier les principales sources d'exposition au domicile et dans les lieux d'accueil",
            "Expliquer les effets possibles de ces expositions pendant les 1000 premiers jours",
            "Proposer aux familles des conseils de prévention simples et adaptés à leur situation",
            "Mettre en place des pratiques qui limitent les expositions dans sa structure",
        ],
        "programme": [
            _step(
                "Santé environnementale et 1000 premiers jours",
                "3.5",
                "<p>Notions clés, périodes de vulnérabilité, inégalités d'exposition.</p>",
            ),
            _step(
                "Perturbateurs endocriniens : sources, expositions, effets",
                "3.5",
                "<p>Alimentation, cosmétiques, air intérieur, produits ménagers, jouets ; état des connaissances.</p>",
            ),
            _step(
                "Agir dans les lieux d'accueil et au domicile",
                "3.5",
                "<p>Aération, entretien, choix des produits et du matériel ; outils de diagnostic simples.</p>",
            ),
            _step(
                "Accompagner les familles sans culpabiliser",
                "3.5",
                "<p>Messages clés, posture, outils d'animation ; construction d'une action de prévention.</p>",
            ),
        ],
    },
    {
        "short": "EPS",
        "slug": "reussir-projet-eps-ps",
        "title": "Réussir mon projet en EPS/PS : notions essentielles et méthodologie",
        "level": CourseLevel.NONE,
        "duration_days": Decimal("2"),
        "duration_hours": Decimal("14"),
        "themes": ["methodologie-de-projet"],
        "audiences": ["tout-public", "benevoles", "collectivites"],
        "audience_text": (
            "Professionnels, bénévoles et élus qui portent, ou veulent porter, une action d'éducation pour "
            "la santé (EPS) ou de promotion de la santé (PS)."
        ),
        "prerequisites": "",
        "prerequisite_slugs": [],
        "offered_inter": True,
        "offered_intra": False,
        "nsf_code": "331",
        "price_text": PRICE_DRAPPS,
        "summary": (
            "Acquérir les notions clés de l'éducation et de la promotion de la santé et une méthode pour "
            "construire, conduire et évaluer un projet, de l'analyse des besoins au bilan."
        ),
        "description": (
            "<p>Monter une action de santé demande de partir des besoins et des ressources du public, de "
            "fixer des objectifs réalistes, d'associer les partenaires et de prévoir dès le départ comment "
            "en mesurer les effets.</p>"
            "<p>Cette formation du programme du Drapps donne les repères essentiels de l'éducation et de la "
            "promotion de la santé et une méthode pas à pas, appliquée aux projets des participants.</p>"
        ),
        "general_objective": (
            "Construire, conduire et évaluer un projet d'éducation pour la santé ou de promotion de la "
            "santé selon une méthode rigoureuse."
        ),
        "objectives": [
            "Définir l'éducation pour la santé, la promotion de la santé et les déterminants de santé",
            "Analyser une situation et formuler les objectifs d'un projet",
            "Construire un plan d'action réaliste avec les publics et les partenaires",
            "Élaborer les indicateurs et les outils d'évaluation de son projet",
        ],
        "programme": [
            _step(
                "Notions essentielles",
                "3.5",
                "<p>Santé, déterminants, éducation pour la santé et promotion de la santé, démarche participative.</p>",
            ),
            _step(
                "Analyser la situation et fixer les objectifs",
                "3.5",
                "<p>Diagnostic, priorités, objectif général et objectifs spécifiques.</p>",
            ),
            _step(
                "Planifier l'action",
                "3.5",
                "<p>Activités, moyens, calendrier, partenaires, financements possibles.</p>",
            ),
            _step(
                "Évaluer et valoriser",
                "3.5",
                "<p>Évaluation de processus et de résultats, indicateurs, restitution ; application aux "
                "projets des participants.</p>",
            ),
        ],
    },
    {
        "short": "ECR",
        "slug": "ados-ecrans-reseaux-sociaux",
        "title": ("Ados, écrans et réseaux sociaux : acquérir les bases, comprendre les enjeux et réduire les risques"),
        "level": CourseLevel.NONE,
        "duration_days": Decimal("2"),
        "duration_hours": Decimal("14"),
        "themes": ["ecrans-numerique"],
        "audiences": ["enfance-jeunesse", "education-nationale", "social-medico-social"],
        "audience_text": (
            "Professionnels de l'éducation, de l'animation, du social et de la santé qui accompagnent des "
            "adolescents ou leurs parents."
        ),
        "prerequisites": "",
        "prerequisite_slugs": [],
        "offered_inter": True,
        "offered_intra": False,
        "nsf_code": "330",
        "price_text": PRICE_DRAPPS,
        "summary": (
            "Comprendre les usages numériques des adolescents, leurs intérêts et leurs risques (sommeil, "
            "cyberviolences, usages problématiques) et savoir en parler avec eux pour réduire les risques."
        ),
        "description": (
            "<p>Les écrans et les réseaux sociaux occupent une place centrale dans la vie des adolescents : "
            "lien social, information, création, mais aussi manque de sommeil, comparaison, cyberharcèlement "
            "ou exposition à des contenus choquants.</p>"
            "<p>Plutôt que d'interdire ou de dramatiser, cette formation aide les adultes à comprendre ces "
            "usages, à en parler avec les jeunes et leurs familles et à construire des actions de "
            "prévention qui s'appuient sur leurs compétences.</p>"
        ),
        "general_objective": (
            "Accompagner les adolescents vers des usages du numérique favorables à leur santé et à leur bien-être."
        ),
        "objectives": [
            "Décrire les usages des écrans et des réseaux sociaux chez les adolescents",
            "Identifier les risques associés : sommeil, cyberviolences, contenus inadaptés, usages problématiques",
            "Engager sans jugement un dialogue avec un adolescent sur ses pratiques numériques",
            "Mobiliser des outils et des ressources de prévention adaptés",
        ],
        "programme": [
            _step(
                "Les adolescents et le numérique : usages et repères",
                "3.5",
                "<p>Données récentes, développement à l'adolescence, fonctionnement des plateformes.</p>",
            ),
            _step(
                "Réseaux sociaux et jeux vidéo : intérêts et risques",
                "3.5",
                "<p>Image de soi, cyberviolences, sommeil, usages problématiques ; ressources d'aide.</p>",
            ),
            _step(
                "En parler avec les jeunes",
                "3.5",
                "<p>Posture, techniques d'entretien et d'animation, outils de prévention.</p>",
            ),
            _step(
                "Construire une action et associer les familles",
                "3.5",
                "<p>Projet de prévention, place des parents, partenaires ; bilan de la formation.</p>",
            ),
        ],
    },
    {
        "short": "ISS",
        "slug": "inegalites-sociales-de-sante",
        "title": "Les inégalités sociales de santé : du constat à l'intervention",
        "level": CourseLevel.NONE,
        "duration_days": Decimal("2"),
        "duration_hours": Decimal("14"),
        "themes": ["inegalites-sociales-de-sante"],
        "audiences": ["tout-public", "collectivites", "social-medico-social"],
        "audience_text": (
            "Professionnels, bénévoles et élus de tous secteurs (santé, social, éducation, collectivités) "
            "qui veulent prendre en compte les inégalités sociales de santé dans leurs actions."
        ),
        "prerequisites": "",
        "prerequisite_slugs": [],
        "offered_inter": True,
        "offered_intra": False,
        "nsf_code": "331",
        "price_text": PRICE_DRAPPS,
        "summary": (
            "Comprendre comment se construisent les inégalités sociales de santé et appliquer "
            "l'universalisme proportionné à ses projets et à ses pratiques."
        ),
        "description": (
            "<p>L'espérance de vie et l'état de santé suivent la position sociale : plus on descend dans "
            "l'échelle sociale, plus la santé se dégrade. Ces écarts ne relèvent pas de la fatalité ; ils "
            "dépendent des conditions de vie, de l'accès aux ressources et de la façon dont les actions sont "
            "conçues.</p>"
            "<p>Cette formation part des données pour comprendre les mécanismes en jeu, puis aide chaque "
            "participant à analyser et adapter ses propres actions pour qu'elles ne creusent pas les "
            "écarts.</p>"
        ),
        "general_objective": (
            "Intégrer la réduction des inégalités sociales de santé dans la conception et la conduite de ses actions."
        ),
        "objectives": [
            "Définir les inégalités sociales de santé et les mécanismes qui les produisent",
            "Repérer les inégalités sociales de santé de son territoire à partir de données",
            "Analyser une action existante au regard de ses effets sur les inégalités",
            "Adapter une action selon le principe d'universalisme proportionné",
        ],
        "programme": [
            _step(
                "Le constat : gradient social de santé",
                "3.5",
                "<p>Données nationales et régionales, indicateurs, sources disponibles.</p>",
            ),
            _step(
                "Comprendre les mécanismes",
                "3.5",
                "<p>Déterminants sociaux, parcours de vie, accès aux droits et aux soins, littératie en santé.</p>",
            ),
            _step(
                "Les leviers d'action",
                "3.5",
                "<p>Universalisme proportionné, aller-vers, participation des personnes, actions sur les "
                "milieux de vie.</p>",
            ),
            _step(
                "Appliquer à son projet",
                "3.5",
                "<p>Analyse de cas et des projets des participants avec une grille de lecture ISS.</p>",
            ),
        ],
    },
    {
        "short": "PSSM",
        "slug": "premiers-secours-sante-mentale",
        "title": "Premiers secours en santé mentale (PSSM)",
        "level": CourseLevel.NONE,
        "duration_days": Decimal("2"),
        "duration_hours": Decimal("14"),
        "themes": ["sante-mentale"],
        "audiences": ["tout-public", "benevoles", "enfance-jeunesse"],
        "audience_text": (
            "Toute personne majeure, professionnelle ou bénévole, en particulier les acteurs associatifs et "
            "les personnes en contact avec des jeunes."
        ),
        "prerequisites": "",
        "prerequisite_slugs": [],
        "offered_inter": True,
        "offered_intra": True,
        "nsf_code": "331",
        "price_text": PRICE_PSSM,
        "teaching_methods": (
            "<p>Programme standard de PSSM France, animé par des formateurs accrédités :</p>"
            "<ul><li>apports illustrés de vidéos et de témoignages ;</li>"
            "<li>études de cas et jeux de rôle pour s'entraîner au plan d'action ;</li>"
            "<li>échanges sur les représentations des troubles psychiques.</li></ul>"
            "<p>Le manuel de secouriste est remis à chaque participant.</p>"
        ),
        "summary": (
            "Apprendre à repérer une personne qui développe un trouble psychique ou traverse une crise, à "
            "lui apporter un premier soutien et à l'orienter vers l'aide adaptée."
        ),
        "description": (
            "<p>Une personne sur cinq connaîtra un trouble psychique au cours de sa vie. Comme pour les "
            "gestes de premiers secours physiques, chacun peut apprendre à réagir : repérer les signes, "
            "engager la conversation, apporter un soutien et encourager à consulter.</p>"
            "<p>Les premiers secours en santé mentale suivent un plan d'action en cinq étapes, travaillé "
            "tout au long des deux jours à partir de situations concrètes. Les participants reçoivent une "
            "attestation de secouriste en santé mentale.</p>"
        ),
        "general_objective": (
            "Apporter un premier soutien à une personne qui présente un trouble psychique ou traverse une "
            "crise, et l'orienter vers l'aide appropriée."
        ),
        "objectives": [
            "Décrire les principaux troubles psychiques et les signes qui doivent alerter",
            "Appliquer le plan d'action AÉRER pour apporter un premier soutien",
            "Réagir de façon adaptée face à une crise : idées suicidaires, attaque de panique, choc traumatique",
            "Orienter la personne vers les professionnels et les ressources adaptés",
        ],
        "programme": [
            _step(
                "Santé mentale et premiers secours",
                "3.5",
                "<p>Troubles psychiques : définitions, chiffres, stigmatisation ; présentation du plan d'action.</p>",
            ),
            _step(
                "Dépression et crise suicidaire",
                "3.5",
                "<p>Signes et facteurs de risque ; aborder la question du suicide ; plan d'action en situation.</p>",
            ),
            _step(
                "Troubles anxieux, attaque de panique, choc traumatique",
                "3.5",
                "<p>Reconnaître et réagir ; jeux de rôle.</p>",
            ),
            _step(
                "Troubles psychotiques et usage de substances",
                "3.5",
                "<p>Signes, crise psychotique, intoxication ; ressources du territoire ; synthèse.</p>",
            ),
        ],
    },
]
