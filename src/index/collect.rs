//! One pass over a query's matches that both ranks and counts them: each match is counted
//! under its (department, category) pair for the result counts and facets, gets its
//! category's service bonus, and enters the top results when it passes the filters.
//!
//! Every item's pair is looked up once when the index is opened (a number per document, per
//! segment), so a match costs an array read, not two fast-field reads, and the counts are
//! numbers until the end: no strings per segment and query. The bonus and the filters used to
//! be query clauses walked beside the words (six category terms, two filter terms and a
//! second, unfiltered search for the facets).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Departments and categories of the index, numbered, and each document's pair.
pub(super) struct Cells {
    /// Department folders; the number `departments.len()` stands for "none".
    pub departments: Vec<String>,
    /// Categories; the number `categories.len()` stands for "none".
    pub categories: Vec<String>,
    /// Per segment, each document's `department * width + category`.
    segments: HashMap<SegmentId, Arc<Vec<u32>>>,
    /// Score added per category number (`SERVICE_BONUS`; none for "none").
    bonus: Arc<Vec<Score>>,
}

impl Cells {
    /// Reads every segment's department and category columns.
    pub fn read(searcher: &tantivy::Searcher) -> tantivy::Result<Cells> {
        let mut cells = Cells {
            departments: Vec::new(),
            categories: Vec::new(),
            segments: HashMap::new(),
            bonus: Arc::default(),
        };
        // Numbers first (the width must be known before any document is coded).
        let mut ords = Vec::new();
        for segment in searcher.segment_readers() {
            let d = global_ords(segment, "department", &mut cells.departments)?;
            let c = global_ords(segment, "category", &mut cells.categories)?;
            ords.push((d, c));
        }
        for (segment, (d, c)) in searcher.segment_readers().iter().zip(ords) {
            let codes = cells.code_segment(segment, &d, &c)?;
            cells.segments.insert(segment.segment_id(), Arc::new(codes));
        }
        let bonus = (0..cells.width())
            .map(|c| {
                let name = cells.categories.get(c).map_or("", String::as_str);
                super::SERVICE_BONUS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(0.0, |(_, b)| *b)
            })
            .collect();
        cells.bonus = Arc::new(bonus);
        Ok(cells)
    }

    /// Categories per department row (the last column: none).
    pub fn width(&self) -> usize {
        self.categories.len() + 1
    }

    /// Number of (department, category) cells, "none" rows and columns included.
    pub fn cells(&self) -> usize {
        (self.departments.len() + 1) * self.width()
    }

    fn code_segment(
        &self,
        segment: &SegmentReader,
        departments: &[u32],
        categories: &[u32],
    ) -> tantivy::Result<Vec<u32>> {
        let ff = segment.fast_fields();
        let (department, category) = (ff.str("department")?, ff.str("category")?);
        let none_d = self.departments.len() as u32;
        let none_c = self.categories.len() as u32;
        let width = self.width() as u32;
        // A name numbered past the known ones (a segment the index did not have when it was
        // opened) counts as "none".
        let ord = |col: &Option<tantivy::columnar::StrColumn>, map: &[u32], none: u32, doc| {
            col.as_ref()
                .and_then(|c| c.ords().first(doc))
                .and_then(|o| map.get(o as usize).copied())
                .filter(|n| *n < none)
                .unwrap_or(none)
        };
        Ok((0..segment.max_doc())
            .map(|doc| {
                ord(&department, departments, none_d, doc) * width
                    + ord(&category, categories, none_c, doc)
            })
            .collect())
    }

    /// A segment's codes: read when the index was opened, or now for a segment it did not have.
    fn segment(&self, segment: &SegmentReader) -> tantivy::Result<Arc<Vec<u32>>> {
        if let Some(codes) = self.segments.get(&segment.segment_id()) {
            return Ok(Arc::clone(codes));
        }
        let mut departments = self.departments.clone();
        let mut categories = self.categories.clone();
        let d = global_ords(segment, "department", &mut departments)?;
        let c = global_ords(segment, "category", &mut categories)?;
        Ok(Arc::new(self.code_segment(segment, &d, &c)?))
    }

    /// The number of a department or category name, if the index has it.
    pub fn department(&self, id: &str) -> Option<u32> {
        self.departments
            .iter()
            .position(|d| d == id)
            .map(|n| n as u32)
    }

    pub fn category(&self, name: &str) -> Option<u32> {
        self.categories
            .iter()
            .position(|c| c == name)
            .map(|n| n as u32)
    }
}

/// For each term of a segment's string column, its number in `names` (added when new).
fn global_ords(
    segment: &SegmentReader,
    field: &str,
    names: &mut Vec<String>,
) -> tantivy::Result<Vec<u32>> {
    let Some(column) = segment.fast_fields().str(field)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(column.num_terms());
    let mut text = String::new();
    for ord in 0..column.num_terms() as u64 {
        text.clear();
        column.ord_to_str(ord, &mut text)?;
        let n = match names.iter().position(|n| *n == text) {
            Some(n) => n,
            None => {
                names.push(text.clone());
                names.len() - 1
            }
        };
        out.push(n as u32);
    }
    Ok(out)
}

/// A match in the running for the top results: higher score first, then index order.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    score: Score,
    address: DocAddress,
}

impl Ord for Candidate {
    /// Greater is better.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.address.cmp(&self.address))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

/// Ranks and counts: the best `keep` matches that pass the filters, and every match's pair.
pub(super) struct Ranked<'a> {
    pub cells: &'a Cells,
    pub department: Option<u32>,
    pub category: Option<u32>,
    pub keep: usize,
}

/// What `Ranked` found: the best matches (best first) and the count of each pair.
pub(super) struct Found {
    pub top: Vec<(Score, DocAddress)>,
    pub counts: Vec<u32>,
}

pub(super) struct SegmentRanked {
    codes: Arc<Vec<u32>>,
    segment: SegmentOrdinal,
    width: u32,
    bonus: Arc<Vec<Score>>,
    department: Option<u32>,
    category: Option<u32>,
    keep: usize,
    /// The kept matches, worst on top.
    top: BinaryHeap<std::cmp::Reverse<Candidate>>,
    counts: Vec<u32>,
}

impl Collector for Ranked<'_> {
    type Fruit = Found;
    type Child = SegmentRanked;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentRanked> {
        Ok(SegmentRanked {
            codes: self.cells.segment(reader)?,
            segment,
            width: self.cells.width() as u32,
            bonus: Arc::clone(&self.cells.bonus),
            department: self.department,
            category: self.category,
            keep: self.keep,
            top: BinaryHeap::with_capacity(self.keep + 1),
            counts: vec![0; self.cells.cells()],
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Found>) -> tantivy::Result<Found> {
        let mut counts = vec![0; self.cells.cells()];
        let mut top = Vec::new();
        for f in fruits {
            for (all, n) in counts.iter_mut().zip(f.counts) {
                *all += n;
            }
            top.extend(
                f.top
                    .into_iter()
                    .map(|(score, address)| Candidate { score, address }),
            );
        }
        top.sort_unstable_by(|a, b| b.cmp(a));
        top.truncate(self.keep);
        Ok(Found {
            top: top.into_iter().map(|c| (c.score, c.address)).collect(),
            counts,
        })
    }
}

impl SegmentCollector for SegmentRanked {
    type Fruit = Found;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(&code) = self.codes.get(doc as usize) else {
            return;
        };
        if let Some(n) = self.counts.get_mut(code as usize) {
            *n += 1;
        }
        let (department, category) = (code / self.width, code % self.width);
        if self.department.is_some_and(|d| d != department)
            || self.category.is_some_and(|c| c != category)
            || self.keep == 0
        {
            return;
        }
        let candidate = Candidate {
            score: score + self.bonus.get(category as usize).copied().unwrap_or(0.0),
            address: DocAddress::new(self.segment, doc),
        };
        if self.top.len() < self.keep {
            self.top.push(std::cmp::Reverse(candidate));
        } else if let Some(mut worst) = self.top.peek_mut()
            && candidate > worst.0
        {
            *worst = std::cmp::Reverse(candidate);
        }
    }

    fn harvest(self) -> Found {
        Found {
            top: self
                .top
                .into_iter()
                .map(|c| (c.0.score, c.0.address))
                .collect(),
            counts: self.counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_rank_by_score_then_index_order() {
        let c = |score, doc| Candidate {
            score,
            address: DocAddress::new(0, doc),
        };
        assert!(c(2.0, 5) > c(1.0, 1));
        assert!(c(1.0, 1) > c(1.0, 2));
        let mut v = [c(1.0, 3), c(3.0, 9), c(1.0, 2)];
        v.sort_unstable_by(|a, b| b.cmp(a));
        let docs: Vec<u32> = v.iter().map(|c| c.address.doc_id).collect();
        assert_eq!(docs, [9, 2, 3]);
    }
}
