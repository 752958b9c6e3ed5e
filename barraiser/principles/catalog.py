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
