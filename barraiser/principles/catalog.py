"""Amazon's sixteen Leadership Principles: names are Amazon's, one-line summaries ours."""

DEFAULT_PRINCIPLES: tuple[tuple[str, str], ...] = (
    (
        "Customer Obsession",
        "Starts from what the customer needs and works backwards, earning trust.",
    ),
    ("Ownership", "Acts for the long term and for the whole company, never says 'not my job'."),
    ("Invent and Simplify", "Looks for new ideas everywhere and makes complex things simple."),
    (
        "Are Right, A Lot",
        "Has strong judgment and good instincts, and seeks views that disconfirm.",
    ),
    ("Learn and Be Curious", "Keeps learning, explores new possibilities, improves themselves."),
    ("Hire and Develop the Best", "Raises the bar with every hire and coaches others to grow."),
    (
        "Insist on the Highest Standards",
        "Holds a bar others find high and fixes defects at the root.",
    ),
    ("Think Big", "Sets a bold direction that inspires results beyond small thinking."),
    ("Bias for Action", "Moves quickly on reversible decisions and takes calculated risks."),
    ("Frugality", "Does more with less; constraints breed resourcefulness and invention."),
    ("Earn Trust", "Listens, speaks candidly, treats others with respect, admits own mistakes."),
    ("Dive Deep", "Works at every level, audits the details, is sceptical of easy metrics."),
    (
        "Have Backbone; Disagree and Commit",
        "Challenges decisions respectfully, then commits fully once a decision is made.",
    ),
    (
        "Deliver Results",
        "Focuses on the inputs that matter and delivers them with quality and on time.",
    ),
    (
        "Strive to be Earth's Best Employer",
        "Builds a safe, fair, growing workplace where people do their best work.",
    ),
    (
        "Success and Scale Bring Broad Responsibility",
        "Weighs the wider effects of their work on people, communities and the planet.",
    ),
)

# A default interview kit per principle, written for this app: questions to ask (each asks for one
# real past situation), then what strong and what weak evidence sound like. Admins edit them.
DEFAULT_KITS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "Customer Obsession": (
        (
            "Tell me about a time you changed your plan because of what a customer told you.",
            "Describe a customer problem you found before the customer complained.",
            "When did serving a customer well cost your team something? What did you decide?",
        ),
        "Names a specific customer and what they needed; shows how that changed the work; "
        "can say what happened for the customer afterwards.",
        "Speaks of 'the customer' in general; the decision was driven by the team's convenience; "
        "no result for the customer is known.",
    ),
    "Ownership": (
        (
            "Tell me about a problem outside your job that you fixed anyway.",
            "Describe a decision where the short-term win and the long-term cost pulled apart.",
            "When did something you owned fail? What did you do the following week?",
        ),
        "Took the problem on without being asked, saw it through, and cleaned up afterwards; "
        "talks about 'I' where it was theirs and owns the failures too.",
        "Hands the problem on ('I escalated it'); blames another team; the story stops at the "
        "handover.",
    ),
    "Invent and Simplify": (
        (
            "Tell me about something you made simpler. What did you remove?",
            "Describe an idea you borrowed from another field or team.",
            "When did a new approach of yours not work? What did you learn from it?",
        ),
        "Explains the old way, the new way and why it is simpler, with a measurable effect; "
        "credits sources of ideas.",
        "The 'invention' added complexity; cannot say what it replaced or what improved.",
    ),
    "Are Right, A Lot": (
        (
            "Tell me about a judgment call made with incomplete data. How did it turn out?",
            "Describe a time you changed your mind. What convinced you?",
            "When did you seek out someone who disagreed with you before deciding?",
        ),
        "Shows how they weighed the evidence, looked for views against their own, and can "
        "compare the outcome with what they expected.",
        "Only right-in-hindsight stories; never changed their mind; the outcome is unknown.",
    ),
    "Learn and Be Curious": (
        (
            "What is something you taught yourself in the last year, and how?",
            "Tell me about a question you chased further than your work needed.",
            "Describe a time something you learned changed how you work.",
        ),
        "A concrete skill or topic, how they learned it, and how it shows in their work now.",
        "Lists courses or books without any effect on their work; curiosity stays abstract.",
    ),
    "Hire and Develop the Best": (
        (
            "Tell me about someone you helped grow. Where are they now?",
            "Describe a hiring decision you disagreed with. What did you do?",
            "How have you given hard feedback to a colleague?",
        ),
        "Names people they developed and what changed for them; holds a high bar in hiring even "
        "under pressure to fill a role.",
        "Development means 'I was available for questions'; lowered the bar to hire faster.",
    ),
    "Insist on the Highest Standards": (
        (
            "Tell me about a time you refused to ship something that was good enough for others.",
            "Describe a defect you fixed at its root rather than at its symptom.",
            "When did you raise the bar for your whole team? How did they take it?",
        ),
        "Explains the standard, why it mattered, and the cost they accepted to keep it; fixes "
        "stay fixed.",
        "Standards are personal taste; patches symptoms; or holds others to a bar they skip.",
    ),
    "Think Big": (
        (
            "Tell me about the most ambitious goal you set. How did you get others behind it?",
            "Describe a time you turned a small request into a larger opportunity.",
        ),
        "A bold direction with a clear plan, people who followed it, and results beyond the "
        "original ask.",
        "Big words without a plan or an outcome; or only ever delivers the request as given.",
    ),
    "Bias for Action": (
        (
            "Tell me about a decision you made quickly without all the information.",
            "Describe a time waiting would have been safer. Why did you act?",
            "When did acting fast go wrong, and how did you recover?",
        ),
        "Tells reversible from irreversible decisions, acts on the first, and names the risk "
        "taken and how it was contained.",
        "Waits for certainty every time; or acts rashly on a one-way decision without a fallback.",
    ),
    "Frugality": (
        (
            "Tell me about something you delivered with far fewer resources than planned.",
            "Describe a cost you cut that nobody asked you to cut.",
        ),
        "A constraint that led to a better or cheaper solution, with numbers.",
        "Frugality that hurt customers or quality; or asks for more people as the first answer.",
    ),
    "Earn Trust": (
        (
            "Tell me about a mistake of yours that you told others about before they found it.",
            "Describe a time you had to rebuild trust with a colleague or a team.",
            "How did you handle feedback about you that you thought was unfair?",
        ),
        "Admits their own mistakes plainly, listens, and shows how the relationship changed.",
        "Every conflict is the other person's fault; no mistake comes to mind.",
    ),
    "Dive Deep": (
        (
            "Tell me about a problem you solved by going into the details yourself.",
            "Describe a metric or report that turned out to be wrong. How did you find out?",
            "Walk me through the data behind one decision you made last quarter.",
        ),
        "Goes several levels down without notes, knows the numbers, and found something the "
        "summaries hid.",
        "Stays at the level of the summary; delegated the detail and cannot explain it when "
        "probed.",
    ),
    "Have Backbone; Disagree and Commit": (
        (
            "Tell me about a time you disagreed with your manager or a senior colleague.",
            "Describe a decision you argued against and then committed to. How did it go?",
        ),
        "Disagreed with data and respect, was heard, then committed fully, even when overruled.",
        "Kept quiet and complained later; or kept fighting after the decision was made.",
    ),
    "Deliver Results": (
        (
            "Tell me about your most important delivery of the past year and its outcome.",
            "Describe a time a setback put a deadline at risk. What did you do?",
            "Which input did you focus on to move the result, and why that one?",
        ),
        "A result with numbers, the inputs that drove it, and the obstacles overcome on the way.",
        "Activity instead of outcomes; the result belongs to the team and their part is unclear.",
    ),
    "Strive to be Earth's Best Employer": (
        (
            "Tell me about something you changed to make your team's work better or safer.",
            "Describe how you supported a colleague through a difficult period.",
        ),
        "Specific actions that improved people's work, and how they know it helped.",
        "Good intentions without action; or wellbeing left entirely to others.",
    ),
    "Success and Scale Bring Broad Responsibility": (
        (
            "Tell me about a time you considered the wider effects of your work before shipping.",
            "Describe a decision where you put the long-term effect on others before a quick win.",
        ),
        "Weighed effects on people beyond the customer (communities, users of the data, the "
        "environment) and changed the work because of it.",
        "Never considered effects beyond the immediate goal; responsibility is someone else's.",
    ),
}
