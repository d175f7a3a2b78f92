using VaeToolkit.Data;
using VaeToolkit.Training.Models.Ease;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.Ease;

public sealed class EaseSolverTests
{
    // Five users, four items: small enough to solve by hand-written Gauss-Jordan elimination below.
    private static readonly int[][] Users = [[0, 1], [0, 1, 2], [1, 2], [2, 3], [0, 3]];

    private static CsrMatrix Histories => CsrMatrix.FromRows([.. Users.Select(row => (IEnumerable<int>)row)], 4);

    [Fact]
    public void Gram_CountsCoOccurrences()
    {
        using var gram = EaseSolver.Gram(Histories, Histories.RowCount, CPU, TestContext.Current.CancellationToken);
        double[] counts = gram.data<double>().ToArray();
        var expected = new double[16];
        foreach (var row in Users)
            foreach (int i in row)
                foreach (int j in row) expected[i * 4 + j]++;
        Assert.Equal(expected, counts);
        Assert.Equal(2, counts[0 * 4 + 1]); // items 0 and 1 together: users 0 and 1
        Assert.Equal(3, counts[2 * 4 + 2]); // item 2: users 1, 2 and 3
    }

    [Fact]
    public void Gram_OfTheFirstRowsOnly_LeavesTheOthersOut()
    {
        using var gram = EaseSolver.Gram(Histories, rowCount: 2, CPU, TestContext.Current.CancellationToken);
        Assert.Equal(0, gram[3, 3].item<double>());
        Assert.Equal(2, gram[0, 1].item<double>());
    }

    [Fact]
    public void Solve_MatchesAnIndependentClosedForm()
    {
        const double lambda = 0.7;
        using var gram = EaseSolver.Gram(Histories, Histories.RowCount, CPU, TestContext.Current.CancellationToken);
        using var b = EaseSolver.Solve(gram, lambda);
        double[] actual = b.data<double>().ToArray();

        // P = (XᵀX + λI)⁻¹ by Gauss-Jordan in plain doubles, then B_ij = -P_ij / P_jj, zero diagonal.
        double[,] g = new double[4, 4];
        foreach (var row in Users)
            foreach (int i in row)
                foreach (int j in row) g[i, j]++;
        for (int i = 0; i < 4; i++) g[i, i] += lambda;
        double[,] p = Invert(g);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(i == j ? 0 : -p[i, j] / p[j, j], actual[i * 4 + j], 12);

        // What makes it EASE: B is the best zero-diagonal fit of X by X·B, so XᵀX·B = XᵀX - λB - diag(μ): off the diagonal, (G + λI)·B = G.
        using var lhs = (gram + lambda * eye(4, dtype: ScalarType.Float64)).mm(b);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                if (i != j) Assert.Equal(gram[i, j].item<double>(), lhs[i, j].item<double>(), 10);
    }

    [Fact]
    public void Solve_WithoutLambda_RefusesASingularGram_NamingLambda()
    {
        // Item 3 is in nobody's history: its row of XᵀX is all zeros.
        var histories = CsrMatrix.FromRows([[0, 1], [1, 2]], 4);
        using var gram = EaseSolver.Gram(histories, 2, CPU, TestContext.Current.CancellationToken);
        var error = Assert.Throws<InvalidOperationException>(() => EaseSolver.Solve(gram, 0));
        Assert.Contains("λ", error.Message);
    }

    [Fact]
    public void Score_RanksByTheSumOfBsRows_AndLeavesTheFoldInOut()
    {
        using var gram = EaseSolver.Gram(Histories, Histories.RowCount, CPU, TestContext.Current.CancellationToken);
        using var b = EaseSolver.Solve(gram, 0.5);
        double[] weights = b.data<double>().ToArray();
        var foldIn = CsrMatrix.FromRows([[0], [1, 2]], 4);

        // Independently: the best unseen item of each user by x·B, as the only target, so NDCG@100 is 1.
        int Best(int[] seen) => Enumerable.Range(0, 4).Where(i => !seen.Contains(i))
            .OrderByDescending(i => seen.Sum(s => weights[s * 4 + i])).First();
        var targets = CsrMatrix.FromRows([[Best([0])], [Best([1, 2])]], 4);
        var metrics = EaseSolver.Score(b, foldIn, targets, batchSize: 1, TestContext.Current.CancellationToken);
        Assert.Equal(2, metrics.Users);
        Assert.Equal(1.0, metrics.NdcgAt100, 12);

        // A seen item as the target is never ranked, whatever its score.
        var seenTargets = CsrMatrix.FromRows([[0], [2]], 4);
        Assert.Equal(0.0, EaseSolver.Score(b, foldIn, seenTargets, cancellationToken: TestContext.Current.CancellationToken).NdcgAt100);
    }

    [Fact]
    public void MemoryCheck_RefusesACatalogueTooLarge_SayingHowMuchItNeeds()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EaseMemory.Check(1_000_000, CPU));
        Assert.Contains("1,000,000 items needs about 29802.3 GiB", error.Message);
        EaseMemory.Check(1_000, CPU); // 32 MB: fits
    }

    [Fact]
    public void ExportSizeCheck_RefusesAGraphOverOnnxs2Gb_AndInt8()
    {
        var error = Assert.Throws<ArgumentException>(() => EaseExporter.CheckSize(30_000, "fp32"));
        Assert.Contains("3.6 GB in fp32", error.Message);
        Assert.Contains("fp16 or bf16 halves it", error.Message);
        EaseExporter.CheckSize(30_000, "fp16");
        Assert.Throws<ArgumentException>(() => EaseExporter.CheckSize(100, "int8"));
    }

    private static double[,] Invert(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var inverse = new double[n, n];
        for (int i = 0; i < n; i++) inverse[i, i] = 1;
        for (int column = 0; column < n; column++)
        {
            int pivot = Enumerable.Range(column, n - column).MaxBy(r => Math.Abs(a[r, column]));
            for (int k = 0; k < n; k++)
            {
                (a[column, k], a[pivot, k]) = (a[pivot, k], a[column, k]);
                (inverse[column, k], inverse[pivot, k]) = (inverse[pivot, k], inverse[column, k]);
            }
            double scale = a[column, column];
            for (int k = 0; k < n; k++) { a[column, k] /= scale; inverse[column, k] /= scale; }
            for (int r = 0; r < n; r++)
            {
                if (r == column) continue;
                double factor = a[r, column];
                for (int k = 0; k < n; k++) { a[r, k] -= factor * a[column, k]; inverse[r, k] -= factor * inverse[column, k]; }
            }
        }
        return inverse;
    }
}
